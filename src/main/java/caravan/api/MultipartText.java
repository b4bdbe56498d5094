package caravan.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.multipart.MultipartHttpServletRequest;

/** A text part of a multipart upload, sent as a form field or as a file part ({@code curl -F metadata=@meta.json}). */
public final class MultipartText {

    private MultipartText() {
    }

    public static String part(MultipartHttpServletRequest request, String name) throws IOException {
        String field = request.getParameter(name);
        if (field != null) {
            return field;
        }
        MultipartFile file = request.getFile(name);
        return file == null ? null : new String(file.getBytes(), StandardCharsets.UTF_8);
    }
}
