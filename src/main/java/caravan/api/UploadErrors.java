package caravan.api;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.camel.CamelExecutionException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.multipart.MaxUploadSizeExceededException;

/**
 * The Spring MVC controllers (multipart uploads, device streams and captures) hand over to routes: their rejections,
 * refusals and conflicts answer as the rest of the API does.
 */
@RestControllerAdvice
public class UploadErrors {

    @ExceptionHandler(CamelExecutionException.class)
    ResponseEntity<ApiError> routeFailed(CamelExecutionException e) {
        if (e.getCause() instanceof InputRejectedException rejected) {
            return ResponseEntity.badRequest().body(new ApiError("invalid upload", rejected.problems()));
        }
        if (e.getCause() instanceof NotFoundException notFound) {
            return notFound(notFound);
        }
        if (e.getCause() instanceof ForbiddenException forbidden) {
            return forbidden(forbidden);
        }
        if (e.getCause() instanceof PayloadTooLargeException tooLarge) {
            return tooLarge(tooLarge);
        }
        if (e.getCause() instanceof ConflictException conflict) {
            return ResponseEntity.status(HttpStatus.CONFLICT).body(ApiError.of(conflict.getMessage()));
        }
        throw e;
    }

    @ExceptionHandler(JsonProcessingException.class)
    ResponseEntity<ApiError> unreadable(JsonProcessingException e) {
        return ResponseEntity.badRequest().body(new ApiError("invalid request",
                List.of("body is not the JSON expected: " + e.getOriginalMessage())));
    }

    @ExceptionHandler(NotFoundException.class)
    ResponseEntity<ApiError> notFound(NotFoundException e) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).body(ApiError.of(e.getMessage()));
    }

    @ExceptionHandler(ConflictException.class)
    ResponseEntity<ApiError> conflict(ConflictException e) {
        return ResponseEntity.status(HttpStatus.CONFLICT).body(ApiError.of(e.getMessage()));
    }

    @ExceptionHandler(ForbiddenException.class)
    ResponseEntity<ApiError> forbidden(ForbiddenException e) {
        return ResponseEntity.status(HttpStatus.FORBIDDEN).body(ApiError.of(e.getMessage()));
    }

    @ExceptionHandler(PayloadTooLargeException.class)
    ResponseEntity<ApiError> tooLarge(PayloadTooLargeException e) {
        return ResponseEntity.status(HttpStatus.PAYLOAD_TOO_LARGE).body(ApiError.of(e.getMessage()));
    }

    @ExceptionHandler(InputRejectedException.class)
    ResponseEntity<ApiError> rejected(InputRejectedException e) {
        return ResponseEntity.badRequest().body(new ApiError("invalid upload", e.problems()));
    }

    @ExceptionHandler(MaxUploadSizeExceededException.class)
    ResponseEntity<ApiError> tooLarge(MaxUploadSizeExceededException e) {
        return ResponseEntity.status(HttpStatus.PAYLOAD_TOO_LARGE).body(ApiError.of("upload too large: "
                + e.getMessage() + " (spring.servlet.multipart.max-file-size / max-request-size)"));
    }
}
