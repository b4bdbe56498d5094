package caravan.api;

import java.util.List;

/** The body of every 4xx answer: what went wrong and, for rejected input, each problem. */
public record ApiError(String error, List<String> problems) {

    public static ApiError of(String error) {
        return new ApiError(error, List.of());
    }
}
