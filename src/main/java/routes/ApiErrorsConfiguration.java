package routes;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.springframework.stereotype.Component;

import caravan.api.ApiError;
import caravan.api.ConflictException;
import caravan.api.InputRejectedException;
import caravan.api.NotFoundException;
import caravan.api.TargetFailedException;

/**
 * How REST routes answer failures: 400 listing every problem (or naming the field of a body that is not of the
 * endpoint's shape), 404 naming what is missing, 409 naming the conflict, 502 naming the machine that refused.
 */
@Component
public class ApiErrorsConfiguration extends RouteConfigurationBuilder {

    public static final String ID = "api-errors";

    @Override
    public void configuration() {
        routeConfiguration(ID)
                .onException(InputRejectedException.class).handled(true)
                    .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(400))
                    .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                    .setBody(exchange -> new ApiError("invalid input",
                            exchange.getProperty(Exchange.EXCEPTION_CAUGHT, InputRejectedException.class).problems()))
                    .marshal().json()
                .end()
                .onException(JsonProcessingException.class).handled(true)
                    .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(400))
                    .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                    .setBody(exchange -> ApiError.unreadableBody(
                            exchange.getProperty(Exchange.EXCEPTION_CAUGHT, JsonProcessingException.class)))
                    .marshal().json()
                .end()
                .onException(NotFoundException.class).handled(true)
                    .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(404))
                    .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                    .setBody(exchange -> ApiError.of(
                            exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class).getMessage()))
                    .marshal().json()
                .end()
                .onException(ConflictException.class).handled(true)
                    .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(409))
                    .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                    .setBody(exchange -> ApiError.of(
                            exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class).getMessage()))
                    .marshal().json()
                .end()
                .onException(TargetFailedException.class).handled(true)
                    .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(502))
                    .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                    .setBody(exchange -> ApiError.of(
                            exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class).getMessage()))
                    .marshal().json()
                .end();
    }
}
