package caravan.api;

import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import io.micrometer.common.KeyValue;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.filter.ServerHttpObservationFilter;

/**
 * Every HTTP request gets an id, in its answer's {@code X-Request-Id}, in the {@code requestId} of every log line
 * written while it is handled and in its trace's {@code request.id} tag: the id a load balancer or client sent, when
 * it is a plain token, else a new one. Right after the filter that starts the request's observation.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
public class RequestIds extends OncePerRequestFilter {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "requestId";
    public static final String SPAN_TAG = "request.id";
    /** What is taken from a client as it is: no spaces, quotes or line breaks to forge log fields with. */
    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String given = request.getHeader(HEADER);
        String requestId = given != null && ACCEPTED.matcher(given).matches() ? given : UUID.randomUUID().toString();
        response.setHeader(HEADER, requestId);
        ServerHttpObservationFilter.findObservationContext(request)
                .ifPresent(observation -> observation.addHighCardinalityKeyValue(KeyValue.of(SPAN_TAG, requestId)));
        MDC.put(MDC_KEY, requestId);
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove(MDC_KEY);
        }
    }
}
