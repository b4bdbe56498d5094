package caravan.security;

import java.io.IOException;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

import caravan.api.ApiError;

/** Security's refusals (401, 403, 429) in the API's own error body. */
@Component
public class ApiErrorResponses {

    private final ObjectMapper mapper;

    public ApiErrorResponses(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** 429 for an address past its failed authentications, with when to try again. */
    public void throttled(HttpServletResponse response, long retryAfterSeconds) throws IOException {
        response.setHeader("Retry-After", String.valueOf(retryAfterSeconds));
        write(response, 429, "too many failed authentications from this address; try again later");
    }

    public void write(HttpServletResponse response, int status, String error) throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        mapper.writeValue(response.getOutputStream(), ApiError.of(error));
    }
}
