package caravan.api;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

/** The body of every 4xx answer: what went wrong and, for rejected input, each problem. */
public record ApiError(String error, List<String> problems) {

    public static ApiError of(String error) {
        return new ApiError(error, List.of());
    }

    /** A request body that is not JSON, or not of the shape the endpoint takes: which field, and what it must be. */
    public static ApiError unreadableBody(JsonProcessingException cause) {
        return new ApiError("invalid input", List.of(describe(cause)));
    }

    private static String describe(JsonProcessingException cause) {
        if (cause instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            String field = mismatch.getPath().stream()
                    .map(step -> step.getFieldName() != null ? "." + step.getFieldName() : "[" + step.getIndex() + "]")
                    .collect(Collectors.joining()).substring(1);
            return field + " must be " + kind(mismatch.getTargetType());
        }
        if (cause instanceof MismatchedInputException) {
            return "body must be a JSON object";
        }
        return "body is not valid JSON: " + cause.getOriginalMessage();
    }

    private static String kind(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == String.class) {
            return "text";
        }
        if (Number.class.isAssignableFrom(type) || type == int.class || type == long.class || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        return "an object";
    }
}
