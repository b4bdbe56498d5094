package caravan.security;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.tomcat.util.http.parser.HttpParser;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.web.PathPatternRequestMatcherBuilderFactoryBean;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfFilter;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.csrf.CsrfException;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * Who may do what over HTTP. Keys (header) or a browser session made from one; roles viewer &lt; operator &lt; admin.
 * Only the health probes and the login page are open. The endpoints' roles are listed here, in one place:
 * reads are for viewers, changes for operators, keys, audit, edges' credentials, Hawtio and Jolokia for admins.
 * Devices streaming commands have a chain of their own, with their own tokens.
 */
@Configuration
public class SecurityConfiguration {

    static final String LOGIN_PAGE = "/login.html";
    static final String DEVICE_STREAM = "/v1/devices/{deviceId}/commands";
    static final String DEVICE_CAPTURES = "/v1/captures";

    @Bean
    RoleHierarchy roleHierarchy() {
        return RoleHierarchyImpl.fromHierarchy("""
                ROLE_ADMIN > ROLE_OPERATOR
                ROLE_OPERATOR > ROLE_VIEWER""");
    }

    /**
     * The default firewall, but header names checked as Tomcat's parser admits them (tokens) instead of by regex on
     * every lookup: request mapping looks headers up per candidate route, a fifth of a trigger's CPU (bench/devices.sh).
     */
    @Bean
    HttpFirewall httpFirewall() {
        StrictHttpFirewall firewall = new StrictHttpFirewall();
        firewall.setAllowedHeaderNames(HttpParser::isToken);
        return firewall;
    }

    /**
     * Rules match the request's path by pattern (Spring Security 7's default), not through Spring MVC's handler
     * lookup, which walked every route for every rule (a tenth of a trigger's CPU, bench/devices.sh).
     */
    @Bean
    PathPatternRequestMatcherBuilderFactoryBean pathPatternRequestMatchers() {
        return new PathPatternRequestMatcherBuilderFactoryBean();
    }

    @Bean
    SecurityContextRepository securityContextRepository() {
        return new HttpSessionSecurityContextRepository();
    }

    /**
     * What devices call with their own token: each opens and acknowledges only its own stream, and uploads captures
     * (whose device_id the capture route checks against the token's). Stateless: no session, no cookie to forge.
     */
    @Bean
    @Order(1)
    SecurityFilterChain deviceSecurity(HttpSecurity http, DeviceTokens tokens, AuditLog audit,
            FailedAuthentications failures, ApiErrorResponses errors) throws Exception {
        AuthorizationManager<RequestAuthorizationContext> ownDevice = (authentication, context) ->
                new AuthorizationDecision(authentication.get().getPrincipal() instanceof DevicePrincipal device
                        && device.deviceId().equals(context.getVariables().get("deviceId")));
        http
                .securityMatcher(DEVICE_STREAM, DEVICE_STREAM + "/**", DEVICE_CAPTURES)
                .csrf(csrf -> csrf.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .addFilterBefore(new DeviceTokenAuthenticationFilter(tokens, audit, failures, errors),
                        AnonymousAuthenticationFilter.class)
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable())
                .requestCache(cache -> cache.disable())
                .exceptionHandling(handling -> handling
                        .authenticationEntryPoint((request, response, exception) -> {
                            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
                            errors.write(response, 401, "authentication required: present the device's token as "
                                    + "'Authorization: Bearer <token>'");
                        })
                        .accessDeniedHandler(forbidden(errors)))
                .authorizeHttpRequests(requests -> requests
                        // a stream's end is an async dispatch of a request already authorized
                        .dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC).permitAll()
                        .requestMatchers(DEVICE_STREAM, DEVICE_STREAM + "/**").access(ownDevice)
                        .requestMatchers(HttpMethod.POST, DEVICE_CAPTURES).hasAuthority(DevicePrincipal.AUTHORITY)
                        .anyRequest().denyAll());
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain hubSecurity(HttpSecurity http, ApiKeys keys, AuditLog audit, FailedAuthentications failures,
            ApiErrorResponses errors, SecurityContextRepository contexts) throws Exception {
        String viewer = Role.VIEWER.name();
        String operator = Role.OPERATOR.name();
        String admin = Role.ADMIN.name();
        http
                .securityContext(context -> context.securityContextRepository(contexts))
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.IF_REQUIRED))
                // A change riding on a session (a browser's cookie) needs the token; a request with a key or without
                // a session has no cookie to abuse (and gets its 401 or 403 for what it is). The token is the
                // XSRF-TOKEN cookie, sent back as X-XSRF-TOKEN, as Hawtio's console does.
                .csrf(csrf -> csrf.csrfTokenRepository(CookieCsrfTokenRepository.withHttpOnlyFalse())
                        .csrfTokenRequestHandler(new CsrfTokenRequestAttributeHandler())
                        .ignoringRequestMatchers(request -> ApiKeyAuthenticationFilter.presentedKey(request) != null
                                || request.getSession(false) == null
                                || HttpMethod.POST.matches(request.getMethod())
                                        && SessionController.PATH.equals(request.getRequestURI())))
                .addFilterBefore(new ApiKeyAuthenticationFilter(keys, audit, failures, errors),
                        AnonymousAuthenticationFilter.class)
                .addFilterAfter((request, response, chain) -> {
                    // Deferred tokens are only written when read: a page needs the cookie before its first change.
                    CsrfToken token = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
                    if (token != null && ApiKeyAuthenticationFilter.presentedKey((HttpServletRequest) request) == null) {
                        token.getToken();
                    }
                    chain.doFilter(request, response);
                }, CsrfFilter.class)
                // Camel answers on a thread of its own (platform-http is asynchronous): written when the response
                // commits, the security headers could be added from both threads at once, and a response went out
                // with a broken header. Written before the request goes on, they are written by one thread.
                .headers(headers -> headers.withObjectPostProcessor(new ObjectPostProcessor<HeaderWriterFilter>() {
                    @Override
                    public <O extends HeaderWriterFilter> O postProcess(O filter) {
                        filter.setShouldWriteHeadersEagerly(true);
                        return filter;
                    }
                }))
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable())
                .requestCache(cache -> cache.disable())
                .exceptionHandling(handling -> handling
                        .authenticationEntryPoint(notAuthenticated(errors))
                        .accessDeniedHandler(forbidden(errors)))
                .authorizeHttpRequests(requests -> requests
                        .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                        .requestMatchers("/actuator/health", "/actuator/health/**", "/health", "/ready", "/live")
                            .permitAll()
                        .requestMatchers(LOGIN_PAGE, "/login.js", "/favicon.ico").permitAll()
                        .requestMatchers(HttpMethod.POST, SessionController.PATH).permitAll()
                        // an unclaimed agent has no key: it proves itself with the one-time code it shows
                        .requestMatchers(HttpMethod.POST, "/api/claims", "/api/claims/collect").permitAll()
                        .requestMatchers("/actuator/hawtio", "/actuator/hawtio/**", "/actuator/jolokia",
                                "/actuator/jolokia/**").hasRole(admin)
                        .requestMatchers("/api/keys", "/api/keys/**", "/api/audit", "/api/edges/*/credentials")
                            .hasRole(admin)
                        // trusting a device's host key and setting the commands the hub runs on it
                        .requestMatchers(HttpMethod.POST, "/api/edges/*/host-key/confirm").hasRole(admin)
                        .requestMatchers(HttpMethod.PUT, "/api/edges/*/device").hasRole(admin)
                        // the reference's routes: a device carries its SSH credentials, a deploy is an operator's
                        .requestMatchers(HttpMethod.POST, "/deployment/devices").hasRole(admin)
                        .requestMatchers(HttpMethod.GET, "/deployment/**").hasRole(viewer)
                        .requestMatchers("/deployment/**").hasRole(operator)
                        // An edge's registration carries its SSH credentials
                        .requestMatchers(HttpMethod.PUT, "/api/edges/*").hasRole(admin)
                        // the reference's manual capture trigger
                        .requestMatchers(HttpMethod.POST, "/v1/devices/*/trigger").hasRole(operator)
                        .requestMatchers(HttpMethod.GET, "/api/workloads/*/logs").hasRole(operator)
                        // ACP callers (the marketplace) are operators; its manifest is for anyone with a key
                        .requestMatchers(HttpMethod.GET, "/acp/agents", "/acp/agents/*").hasRole(viewer)
                        .requestMatchers("/acp/**").hasRole(operator)
                        .requestMatchers(HttpMethod.GET, "/api/**").hasRole(viewer)
                        .requestMatchers(HttpMethod.DELETE, SessionController.PATH).hasRole(viewer)
                        .requestMatchers("/api/**").hasRole(operator)
                        .anyRequest().hasRole(viewer));
        return http.build();
    }

    /** In front of Spring Security, so that refusals are audited too. */
    @Bean
    FilterRegistrationBean<AuditFilter> auditFilter(AuditLog audit) {
        FilterRegistrationBean<AuditFilter> registration = new FilterRegistrationBean<>(new AuditFilter(audit));
        registration.setOrder(org.springframework.boot.autoconfigure.security.SecurityProperties.DEFAULT_FILTER_ORDER - 1);
        return registration;
    }

    /** 401 as the API's JSON error; a browser opening a page is sent to the login page instead. */
    private static AuthenticationEntryPoint notAuthenticated(ApiErrorResponses errors) {
        return (request, response, exception) -> {
            String accept = request.getHeader(HttpHeaders.ACCEPT);
            boolean pageInBrowser = HttpMethod.GET.matches(request.getMethod()) && accept != null
                    && accept.contains("text/html") && !request.getRequestURI().startsWith("/api/");
            if (pageInBrowser) {
                String next = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
                response.sendRedirect(LOGIN_PAGE + "?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
                return;
            }
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
            errors.write(response, 401, "authentication required: present an API key as 'Authorization: Bearer <key>'"
                    + " or 'X-API-Key: <key>', or log in at " + LOGIN_PAGE);
        };
    }

    private static AccessDeniedHandler forbidden(ApiErrorResponses errors) {
        return (request, response, exception) -> {
            String error = exception instanceof CsrfException
                    ? "forbidden: a change from a browser session needs the X-XSRF-TOKEN header (the XSRF-TOKEN cookie)"
                    : "forbidden: " + Actors.describeCurrent() + " may not " + request.getMethod() + " "
                            + request.getRequestURI();
            errors.write(response, 403, error);
        };
    }
}
