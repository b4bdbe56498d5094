package caravan.api;

import org.apache.camel.CamelExecutionException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.multipart.MaxUploadSizeExceededException;

/**
 * The multipart uploads (providers, models) are Spring MVC controllers handing over to routes: their rejections and
 * conflicts answer as the rest of the API does.
 */
@RestControllerAdvice
public class UploadErrors {

    @ExceptionHandler(CamelExecutionException.class)
    ResponseEntity<ApiError> routeFailed(CamelExecutionException e) {
        if (e.getCause() instanceof InputRejectedException rejected) {
            return ResponseEntity.badRequest().body(new ApiError("invalid upload", rejected.problems()));
        }
        if (e.getCause() instanceof ConflictException conflict) {
            return ResponseEntity.status(HttpStatus.CONFLICT).body(ApiError.of(conflict.getMessage()));
        }
        throw e;
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
