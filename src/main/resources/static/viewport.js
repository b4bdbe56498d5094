// Caravan viewport: live tracks from /tracking drawn top-down (x right, z down; y is up in the reference frame),
// and replay of stored tracks from /api/venues/{venueId}/tracks. No framework, no build step.
"use strict";

const TRAIL_POINTS = 20;          // positions kept per track for its trail
const TRACK_TIMEOUT_MS = 5000;    // a live track not updated for this long disappears
const EDGE_STALE_MS = 5000;       // an edge silent for this long is shown as stale
const COLORS = { person: "#1565c0", vehicle: "#ef6c00", forklift: "#ef6c00", bicycle: "#2e7d32", unknown: "#757575" };

// The page runs on a session made from an API key at /login.html; a change carries the CSRF token of its cookie.
function csrfHeader() {
  const token = document.cookie.match(/(?:^|; )XSRF-TOKEN=([^;]*)/);
  return token ? { "X-XSRF-TOKEN": decodeURIComponent(token[1]) } : {};
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...(options.headers || {}), ...csrfHeader() } });
  if (response.status === 401) {
    location.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  }
  return response;
}

const state = {
  venue: new URLSearchParams(location.search).get("venueId") || "",
  tracks: new Map(),   // id -> {track, trail: [[x, z]], seen}
  edges: new Map(),    // edgeId -> {tracks: Set, seen}
  venues: new Set(),
  bounds: null,        // {minX, maxX, minZ, maxZ}, grown to fit what is drawn
  frames: [],          // arrival times of recent frames, for frames/s
  socket: null,
  reconnectDelay: 1000,
  mode: "live",
  replayTimer: null,
  rules: [],           // alert rules of the venue: zones and bounds are drawn
  venueBounds: null,   // the venue's ROI from the venue registry, drawn as its outline
  alerts: [],
};

// What tests and operators can read from the page.
window.caravanViewport = {
  get trackCount() { return state.tracks.size; },
  get framesPerSecond() { return framesPerSecond(); },
  get connected() { return state.socket !== null && state.socket.readyState === WebSocket.OPEN; },
  get mode() { return state.mode; },
  get venues() { return [...state.venues]; },
  get alertCount() { return state.alerts.length; },
  get venueBounds() { return state.venueBounds; },
};

const canvas = document.getElementById("view");
const ctx = canvas.getContext("2d");
const venueSelect = document.getElementById("venue");

function colorOf(type) {
  if (COLORS[type]) return COLORS[type];
  let hash = 0;
  for (const ch of String(type)) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  return `hsl(${Math.abs(hash) % 360}, 60%, 45%)`;
}

function connect() {
  const path = state.venue ? `/tracking?venueId=${encodeURIComponent(state.venue)}` : "/tracking";
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`);
  state.socket = socket;
  socket.onopen = () => { state.reconnectDelay = 1000; showConnection(); };
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.event === "tracks" && state.mode === "live") applyFrame(frame, Date.now());
    if (frame.event === "alert") loadAlerts();
  };
  socket.onclose = () => {
    if (state.socket !== socket) return; // replaced on purpose
    showConnection();
    setTimeout(connect, state.reconnectDelay);
    state.reconnectDelay = Math.min(state.reconnectDelay * 2, 10000);
  };
}

function reconnect() {
  const old = state.socket;
  state.socket = null;
  if (old) old.close();
  connect();
}

function applyFrame(frame, now) {
  state.frames.push(now);
  addVenue(frame.venueId);
  for (const track of frame.tracks) addTrack(track, now);
}

function addTrack(track, seen) {
  const entry = state.tracks.get(track.id) || { trail: [] };
  entry.track = track;
  entry.seen = seen;
  entry.trail.push([track.position.x, track.position.z]);
  if (entry.trail.length > TRAIL_POINTS) entry.trail.shift();
  state.tracks.set(track.id, entry);
  const edge = state.edges.get(track.edgeId) || { tracks: new Set() };
  edge.tracks.add(track.id);
  edge.seen = seen;
  state.edges.set(track.edgeId, edge);
  grow(track.position.x, track.position.z);
}

function addVenue(venueId) {
  if (!venueId || state.venues.has(venueId)) return;
  state.venues.add(venueId);
  const option = document.createElement("option");
  option.value = option.textContent = venueId;
  venueSelect.appendChild(option);
}

function grow(x, z) {
  const b = state.bounds || { minX: x - 1, maxX: x + 1, minZ: z - 1, maxZ: z + 1 };
  state.bounds = { minX: Math.min(b.minX, x), maxX: Math.max(b.maxX, x), minZ: Math.min(b.minZ, z), maxZ: Math.max(b.maxZ, z) };
}

function framesPerSecond() {
  const cutoff = Date.now() - 1000;
  while (state.frames.length && state.frames[0] < cutoff) state.frames.shift();
  return state.frames.length;
}

function expire(now) {
  if (state.mode !== "live") return;
  for (const [id, entry] of state.tracks) {
    if (now - entry.seen > TRACK_TIMEOUT_MS) {
      state.tracks.delete(id);
      const edge = state.edges.get(entry.track.edgeId);
      if (edge) edge.tracks.delete(id);
    }
  }
}

function draw() {
  const now = Date.now();
  expire(now);
  const width = canvas.width = canvas.clientWidth * devicePixelRatio;
  const height = canvas.height = canvas.clientHeight * devicePixelRatio;
  ctx.clearRect(0, 0, width, height);
  if (state.bounds) {
    const b = state.bounds, margin = 40 * devicePixelRatio;
    const scale = Math.min((width - 2 * margin) / Math.max(b.maxX - b.minX, 1), (height - 2 * margin) / Math.max(b.maxZ - b.minZ, 1));
    const toScreen = (x, z) => [margin + (x - b.minX) * scale, margin + (z - b.minZ) * scale];
    drawGrid(b, scale, toScreen, width, height);
    drawVenueBounds(toScreen);
    drawRules(toScreen);
    for (const entry of state.tracks.values()) {
      const color = colorOf(entry.track.objectType);
      ctx.strokeStyle = color;
      ctx.globalAlpha = 0.35;
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.beginPath();
      entry.trail.forEach(([x, z], i) => { const [sx, sy] = toScreen(x, z); i ? ctx.lineTo(sx, sy) : ctx.moveTo(sx, sy); });
      ctx.stroke();
      ctx.globalAlpha = 1;
      const [sx, sy] = toScreen(entry.track.position.x, entry.track.position.z);
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.arc(sx, sy, 6 * devicePixelRatio, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  document.getElementById("track-count").textContent = state.tracks.size;
  document.getElementById("fps").textContent = framesPerSecond();
  drawEdges(now);
  drawLegend();
  requestAnimationFrame(draw);
}

function drawGrid(b, scale, toScreen, width, height) {
  const step = niceStep((b.maxX - b.minX + b.maxZ - b.minZ) / 10);
  ctx.strokeStyle = "#e3e5e9";
  ctx.fillStyle = "#8a93a6";
  ctx.lineWidth = 1;
  ctx.font = `${11 * devicePixelRatio}px system-ui`;
  for (let x = Math.ceil(b.minX / step) * step; x <= b.maxX; x += step) {
    const [sx] = toScreen(x, b.minZ);
    ctx.beginPath(); ctx.moveTo(sx, 0); ctx.lineTo(sx, height); ctx.stroke();
    ctx.fillText(`x ${+x.toFixed(2)}`, sx + 2, 12 * devicePixelRatio);
  }
  for (let z = Math.ceil(b.minZ / step) * step; z <= b.maxZ; z += step) {
    const [, sy] = toScreen(b.minX, z);
    ctx.beginPath(); ctx.moveTo(0, sy); ctx.lineTo(width, sy); ctx.stroke();
    ctx.fillText(`z ${+z.toFixed(2)}`, 2, sy - 2);
  }
}

function drawVenueBounds(toScreen) {
  const b = state.venueBounds;
  if (!b) return;
  const [x0, y0] = toScreen(b.minX, b.minZ), [x1, y1] = toScreen(b.maxX, b.maxZ);
  ctx.strokeStyle = "#1f2a44";
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
  ctx.fillStyle = ctx.strokeStyle;
  ctx.fillText("venue bounds", x0 + 4, y1 - 4);
}

function drawRules(toScreen) {
  ctx.lineWidth = 2 * devicePixelRatio;
  for (const rule of state.rules) {
    const corners = rule.zone ? rule.zone
      : rule.bounds ? [[rule.bounds.minX, rule.bounds.minZ], [rule.bounds.maxX, rule.bounds.minZ],
                       [rule.bounds.maxX, rule.bounds.maxZ], [rule.bounds.minX, rule.bounds.maxZ]]
      : null;
    if (!corners) continue;
    ctx.strokeStyle = rule.zone ? "#ef6c00" : "#5a6376";
    ctx.fillStyle = rule.zone ? "rgba(239, 108, 0, 0.08)" : "rgba(0, 0, 0, 0)";
    ctx.setLineDash(rule.zone ? [] : [6, 4]);
    ctx.beginPath();
    corners.forEach(([x, z], i) => { const [sx, sy] = toScreen(x, z); i ? ctx.lineTo(sx, sy) : ctx.moveTo(sx, sy); });
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
    ctx.setLineDash([]);
    const [lx, ly] = toScreen(corners[0][0], corners[0][1]);
    ctx.fillStyle = ctx.strokeStyle;
    ctx.fillText(rule.id, lx + 4, ly + 14 * devicePixelRatio);
  }
}

async function loadRules() {
  const response = await api("/api/alerts/rules");
  if (!response.ok) return;
  state.rules = (await response.json()).filter((r) => !r.venueId || r.venueId === state.venue);
  for (const rule of state.rules) {
    for (const [x, z] of rule.zone || []) grow(x, z);
    if (rule.bounds) { grow(rule.bounds.minX, rule.bounds.minZ); grow(rule.bounds.maxX, rule.bounds.maxZ); }
  }
}

// Registered venues join the picker; the chosen one's bounds (minX, maxX, minZ, maxZ) are drawn.
async function loadVenues() {
  const response = await api("/api/venues");
  if (!response.ok) return;
  for (const venue of await response.json()) addVenue(venue.venueId);
  venueSelect.value = state.venue;
}

async function loadVenueBounds() {
  state.venueBounds = null;
  if (!state.venue) return;
  const response = await api(`/api/venues/${encodeURIComponent(state.venue)}`);
  if (!response.ok) return;
  const b = (await response.json()).venueBounds || {};
  if ([b.minX, b.maxX, b.minZ, b.maxZ].every(Number.isFinite) && b.minX < b.maxX && b.minZ < b.maxZ) {
    state.venueBounds = { minX: b.minX, maxX: b.maxX, minZ: b.minZ, maxZ: b.maxZ };
    grow(b.minX, b.minZ);
    grow(b.maxX, b.maxZ);
  }
}

async function loadAlerts() {
  const query = state.venue ? `?venueId=${encodeURIComponent(state.venue)}&limit=20` : "?limit=20";
  const response = await api(`/api/alerts${query}`);
  if (!response.ok) return;
  state.alerts = await response.json();
  document.getElementById("alerts").innerHTML = state.alerts.map((a) => `
    <li class="${escapeHtml(a.severity)} ${a.acknowledgedAt ? "acknowledged" : ""}">
      ${escapeHtml(a.message)}
      <time>${new Date(a.at).toLocaleTimeString()} · ${escapeHtml(a.ruleId)} · ${escapeHtml(a.edgeId)}</time>
      ${a.acknowledgedAt ? "" : `<button data-alert="${escapeHtml(a.alertId)}">Acknowledge</button>`}
    </li>`).join("");
}

document.getElementById("alerts").addEventListener("click", async (event) => {
  const id = event.target.dataset && event.target.dataset.alert;
  if (!id) return;
  await api(`/api/alerts/${encodeURIComponent(id)}/acknowledge`, { method: "POST" });
  loadAlerts();
});

function niceStep(raw) {
  const power = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-6))));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
}

function drawEdges(now) {
  const rows = [...state.edges.entries()].sort().map(([id, edge]) => {
    const age = Math.round((now - edge.seen) / 1000);
    const stale = state.mode === "live" && now - edge.seen > EDGE_STALE_MS;
    return `<tr><td>${escapeHtml(id)}</td><td>${edge.tracks.size}</td><td class="${stale ? "stale" : ""}">${state.mode === "live" ? age + " s ago" : "replay"}</td></tr>`;
  });
  document.querySelector("#edges tbody").innerHTML = rows.join("");
}

function drawLegend() {
  const types = new Set([...state.tracks.values()].map((e) => e.track.objectType));
  document.getElementById("legend").innerHTML = [...types].sort()
    .map((t) => `<li style="--c:${colorOf(t)}">${escapeHtml(t)}</li>`).join("");
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function showConnection() {
  const el = document.getElementById("connection");
  if (state.mode === "replay") { el.textContent = "replay"; el.className = "status replay"; return; }
  const online = window.caravanViewport.connected;
  el.textContent = online ? "live" : "reconnecting…";
  el.className = `status ${online ? "online" : "offline"}`;
}

async function replay() {
  const status = document.getElementById("replay-status");
  if (!state.venue) { status.textContent = "Pick a venue to replay."; return; }
  const from = Date.parse(document.getElementById("replay-from").value);
  const to = Date.parse(document.getElementById("replay-to").value);
  if (!(from < to)) { status.textContent = "From must be before To."; return; }
  const points = [];
  let offset = 0;
  do {
    const response = await api(`/api/venues/${encodeURIComponent(state.venue)}/tracks?from=${from}&to=${to}&limit=5000&offset=${offset}`);
    if (!response.ok) { status.textContent = `Replay failed: ${response.status}`; return; }
    const page = await response.json();
    points.push(...page.tracks);
    offset = page.nextOffset;
  } while (offset !== null && offset !== undefined);
  status.textContent = `${points.length} positions`;
  enterReplay(points);
}

function resetView() {
  state.tracks.clear();
  state.edges.clear();
  state.bounds = null;
  loadRules();
  loadVenueBounds();
}

function enterReplay(points) {
  stopReplay();
  state.mode = "replay";
  resetView();
  document.getElementById("live").disabled = false;
  showConnection();
  if (!points.length) return;
  // Played back at recorded speed: each position appears when its timestamp comes round.
  const start = performance.now(), first = points[0].timestamp;
  let next = 0;
  state.replayTimer = setInterval(() => {
    const clock = first + (performance.now() - start);
    while (next < points.length && points[next].timestamp <= clock) {
      const point = points[next++];
      addTrack(point, point.timestamp);
    }
    if (next >= points.length) { clearInterval(state.replayTimer); state.replayTimer = null; }
  }, 1000 / 30);
}

function stopReplay() {
  if (state.replayTimer) clearInterval(state.replayTimer);
  state.replayTimer = null;
}

function backToLive() {
  stopReplay();
  state.mode = "live";
  resetView();
  document.getElementById("live").disabled = true;
  showConnection();
}

venueSelect.addEventListener("change", () => {
  state.venue = venueSelect.value;
  const url = new URL(location.href);
  if (state.venue) url.searchParams.set("venueId", state.venue); else url.searchParams.delete("venueId");
  history.replaceState(null, "", url);
  resetView();
  loadAlerts();
  reconnect();
});
document.getElementById("replay").addEventListener("click", replay);
document.getElementById("live").addEventListener("click", backToLive);

(function init() {
  if (state.venue) addVenue(state.venue);
  venueSelect.value = state.venue;
  const toLocal = (ms) => new Date(ms - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 19);
  document.getElementById("replay-from").value = toLocal(Date.now() - 15 * 60000);
  document.getElementById("replay-to").value = toLocal(Date.now() + 60000);
  setInterval(showConnection, 1000);
  loadRules();
  loadVenueBounds();
  loadVenues();
  loadAlerts();
  connect();
  requestAnimationFrame(draw);
})();
