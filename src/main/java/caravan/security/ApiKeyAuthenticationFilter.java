package caravan.security;

import java.io.IOException;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates a request by the key it presents ({@code Authorization: Bearer <key>} or {@code X-API-Key}), for
 * this request only; a refused key is audited and counted against its address. A browser session whose key has
 * since been revoked or has expired ends here too.
 */
public class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

    static final String KEY_HEADER = "X-API-Key";

    private final ApiKeys keys;
    private final AuditLog audit;
    private final FailedAuthentications failures;
    private final ApiErrorResponses errors;

    ApiKeyAuthenticationFilter(ApiKeys keys, AuditLog audit, FailedAuthentications failures, ApiErrorResponses errors) {
        this.keys = keys;
        this.audit = audit;
        this.failures = failures;
        this.errors = errors;
    }

    /** The key a request presents, or null. */
    static String presentedKey(HttpServletRequest request) {
        String header = request.getHeader(KEY_HEADER);
        if (header != null && !header.isBlank()) {
            return header.trim();
        }
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        return null;
    }

    static Authentication authentication(ApiKeyPrincipal principal) {
        return UsernamePasswordAuthenticationToken.authenticated(principal, null,
                List.of(new SimpleGrantedAuthority(principal.role().authority())));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = presentedKey(request);
        if (presented == null) {
            endSessionOfUnusableKey(request);
            noteActor(request);
            chain.doFilter(request, response);
            return;
        }
        String address = request.getRemoteAddr();
        if (failures.blocked(address)) {
            errors.throttled(response, failures.windowSeconds());
            return;
        }
        ApiKeys.Verdict verdict = keys.verify(presented);
        if (!verdict.accepted()) {
            refuse(request, response, verdict);
            return;
        }
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(authentication(verdict.principal()));
        SecurityContextHolder.setContext(context);
        noteActor(request);
        chain.doFilter(request, response);
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, ApiKeys.Verdict verdict)
            throws IOException {
        String address = request.getRemoteAddr();
        audit.record(verdict.claimedBy(), "authenticate", request.getRequestURI(), "refused: " + verdict.refusal(),
                address);
        if (failures.failed(address)) {
            audit.record(verdict.claimedBy(), "authenticate", request.getRequestURI(),
                    "address blocked after repeated failures", address);
        }
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
        errors.write(response, HttpServletResponse.SC_UNAUTHORIZED, "API key refused: " + verdict.refusal());
    }

    /** A session keeps the key it logged in with: once that key is revoked or expired, the session is over. */
    private void endSessionOfUnusableKey(HttpServletRequest request) {
        Authentication current = SecurityContextHolder.getContext().getAuthentication();
        if (current != null && current.getPrincipal() instanceof ApiKeyPrincipal key && !keys.stillUsable(key)) {
            SecurityContextHolder.clearContext();
            HttpSession session = request.getSession(false);
            if (session != null) {
                session.invalidate();
            }
        }
    }

    private static void noteActor(HttpServletRequest request) {
        String actor = Actors.currentOr(null);
        if (actor != null) {
            request.setAttribute(Actors.ATTRIBUTE, actor);
        }
    }
}
