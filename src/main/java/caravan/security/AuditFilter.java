package caravan.security;

import java.io.IOException;
import java.util.Set;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Audits every state-changing request to the API once it is answered, refused ones included: who (the key's name),
 * what (the method and the endpoint's path pattern), on what (the path), the outcome and the source address. Sits
 * in front of Spring Security, so it sees the 401s and 403s too.
 */
public class AuditFilter extends OncePerRequestFilter {

    private static final Set<String> CHANGING = Set.of("POST", "PUT", "PATCH", "DELETE");

    private final AuditLog audit;

    AuditFilter(AuditLog audit) {
        this.audit = audit;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !CHANGING.contains(request.getMethod()) || !(request.getRequestURI().startsWith("/api/")
                || request.getRequestURI().startsWith("/v1/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        record(request, response);
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                    }
                });
            } else {
                record(request, response);
            }
        }
    }

    private void record(HttpServletRequest request, HttpServletResponse response) {
        Object pattern = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
        Object actor = request.getAttribute(Actors.ATTRIBUTE);
        audit.record(actor == null ? "anonymous" : actor.toString(),
                request.getMethod() + " " + (pattern == null ? request.getRequestURI() : pattern),
                request.getRequestURI(), outcome(response.getStatus()), request.getRemoteAddr());
    }

    static String outcome(int status) {
        String meaning = switch (status) {
            case 401 -> "not authenticated";
            case 403 -> "forbidden";
            case 429 -> "throttled";
            default -> status < 400 ? "done" : status < 500 ? "rejected" : "failed";
        };
        return status + " " + meaning;
    }
}
