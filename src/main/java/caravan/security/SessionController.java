package caravan.security;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A browser's session, made from a key once ({@code POST /api/session {key}}) and kept as an HttpOnly, SameSite
 * cookie. Spring MVC rather than a route: it makes and ends the servlet session, which a Camel route does not reach.
 */
@RestController
public class SessionController {

    static final String PATH = "/api/session";

    /** {@code POST /api/session}: the key to log in with. */
    public record Login(String key) {
    }

    /** Who the session is. */
    public record SessionView(String name, String role) {

        static SessionView of(ApiKeyPrincipal principal) {
            return new SessionView(principal.name(), principal.role().apiName());
        }
    }

    private final ApiKeys keys;
    private final AuditLog audit;
    private final FailedAuthentications failures;
    private final ApiErrorResponses errors;
    private final SecurityContextRepository contexts;

    SessionController(ApiKeys keys, AuditLog audit, FailedAuthentications failures, ApiErrorResponses errors,
            SecurityContextRepository contexts) {
        this.keys = keys;
        this.audit = audit;
        this.failures = failures;
        this.errors = errors;
        this.contexts = contexts;
    }

    @PostMapping(path = PATH, consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    public Object login(@RequestBody(required = false) Login login, HttpServletRequest request,
            HttpServletResponse response) throws IOException {
        String address = request.getRemoteAddr();
        if (failures.blocked(address)) {
            errors.throttled(response, failures.windowSeconds());
            return null;
        }
        if (login == null || login.key() == null || login.key().isBlank()) {
            errors.write(response, 400, "key is required");
            return null;
        }
        ApiKeys.Verdict verdict = keys.verify(login.key().trim());
        if (!verdict.accepted()) {
            audit.record(verdict.claimedBy(), "log in", PATH, "refused: " + verdict.refusal(), address);
            failures.failed(address);
            errors.write(response, 401, "API key refused: " + verdict.refusal());
            return null;
        }
        // A new session id on login: a session id planted before it is worth nothing after.
        HttpSession existing = request.getSession(false);
        if (existing != null) {
            existing.invalidate();
        }
        request.getSession(true);
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(ApiKeyAuthenticationFilter.authentication(verdict.principal()));
        SecurityContextHolder.setContext(context);
        contexts.saveContext(context, request, response);
        request.setAttribute(Actors.ATTRIBUTE, verdict.principal().name());
        return SessionView.of(verdict.principal());
    }

    @GetMapping(path = PATH, produces = MediaType.APPLICATION_JSON_VALUE)
    public SessionView current() {
        ApiKeyPrincipal principal = (ApiKeyPrincipal) SecurityContextHolder.getContext().getAuthentication()
                .getPrincipal();
        return SessionView.of(principal);
    }

    @DeleteMapping(PATH)
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void logout(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        SecurityContextHolder.clearContext();
    }
}
