// Trades an API key for a session cookie once, then goes back to the page that asked for it.
"use strict";

function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "/";
  // Only a path on this hub: never a redirect elsewhere.
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("error");
  error.textContent = "";
  const response = await fetch("/api/session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ key: document.getElementById("key").value }),
  });
  if (response.ok) {
    location.href = nextPage();
    return;
  }
  const body = await response.json().catch(() => ({}));
  error.textContent = body.error || `Log in failed (${response.status})`;
});
