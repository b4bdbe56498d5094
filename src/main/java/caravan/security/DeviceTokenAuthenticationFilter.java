package caravan.security;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates a device's request by its token ({@code Authorization: Bearer cvd_…}). A refused token is audited and
 * counted against its address, as a refused key is; no token goes on unauthenticated, and is refused with 401.
 */
class DeviceTokenAuthenticationFilter extends OncePerRequestFilter {

    private final DeviceTokens tokens;
    private final AuditLog audit;
    private final FailedAuthentications failures;
    private final ApiErrorResponses errors;

    DeviceTokenAuthenticationFilter(DeviceTokens tokens, AuditLog audit, FailedAuthentications failures,
            ApiErrorResponses errors) {
        this.tokens = tokens;
        this.audit = audit;
        this.failures = failures;
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = ApiKeyAuthenticationFilter.presentedKey(request);
        if (presented == null) {
            chain.doFilter(request, response);
            return;
        }
        String address = request.getRemoteAddr();
        if (failures.blocked(address)) {
            errors.throttled(response, failures.windowSeconds());
            return;
        }
        Optional<String> device = tokens.deviceOf(presented);
        if (device.isEmpty()) {
            audit.record(null, "authenticate", request.getRequestURI(), "refused: unknown device token", address);
            failures.failed(address);
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
            errors.write(response, HttpServletResponse.SC_UNAUTHORIZED,
                    "device token refused: it is not a current device token (issued with the device's registration)");
            return;
        }
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(new DevicePrincipal(device.get()),
                null, List.of(new SimpleGrantedAuthority(DevicePrincipal.AUTHORITY))));
        SecurityContextHolder.setContext(context);
        request.setAttribute(Actors.ATTRIBUTE, "device " + device.get());
        chain.doFilter(request, response);
    }
}
