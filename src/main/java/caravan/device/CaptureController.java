package caravan.device;

import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.ProducerTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.multipart.MultipartHttpServletRequest;

import caravan.api.InputRejectedException;
import caravan.api.MultipartText;
import caravan.api.PayloadTooLargeException;
import caravan.device.DeviceCaptures.Capture;
import caravan.device.DeviceCaptures.CaptureUpload;
import caravan.security.DevicePrincipal;

/**
 * {@code POST /v1/captures}: the reference's JSON body ({@code image_base64}), or multipart with an {@code image} part
 * for larger images. Spring MVC reads it, so that a body past the size limit is refused before it is read whole;
 * the {@code capture-store} route does the rest.
 */
@RestController
public class CaptureController {

    /** The reference's upload body. */
    public record CaptureJson(@JsonProperty("device_id") String deviceId, @JsonProperty("trigger_id") String triggerId,
            @JsonProperty("image_base64") String imageBase64, @JsonProperty("captured_at") String capturedAt) {
    }

    private final DeviceCaptures captures;
    private final ProducerTemplate producer;
    private final ObjectMapper mapper;

    public CaptureController(DeviceCaptures captures, ProducerTemplate producer, ObjectMapper mapper) {
        this.captures = captures;
        this.producer = producer;
        this.mapper = mapper;
    }

    @PostMapping(path = "/v1/captures", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Capture> json(HttpServletRequest request, @AuthenticationPrincipal DevicePrincipal device)
            throws IOException {
        // base64 takes 4 bytes for 3, and the other fields are small
        long limit = captures.maxImageBytes() / 3 * 4 + 64 * 1024;
        CaptureJson body;
        try (InputStream in = request.getInputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (bytes.length > limit) {
                throw new PayloadTooLargeException("capture body larger than " + limit + " bytes: the image is past "
                        + "caravan.devices.max-capture-size (" + captures.maxImageBytes() + " bytes)");
            }
            body = mapper.readValue(bytes, CaptureJson.class);
        }
        if (body == null) {
            throw new InputRejectedException(List.of("body must be a JSON object"));
        }
        byte[] image;
        try {
            image = body.imageBase64() == null ? null : Base64.getMimeDecoder().decode(body.imageBase64());
        } catch (IllegalArgumentException e) {
            throw new InputRejectedException(List.of("image_base64 is not base64: " + e.getMessage()));
        }
        return stored(new CaptureUpload(body.deviceId(), body.triggerId(), image, body.capturedAt()), device);
    }

    @PostMapping(path = "/v1/captures", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Capture> multipart(MultipartHttpServletRequest request,
            @AuthenticationPrincipal DevicePrincipal device) throws IOException {
        MultipartFile image = request.getFile("image");
        if (image != null && image.getSize() > captures.maxImageBytes()) {
            throw new PayloadTooLargeException("image of " + image.getSize() + " bytes is larger than "
                    + captures.maxImageBytes() + " bytes (caravan.devices.max-capture-size)");
        }
        return stored(new CaptureUpload(MultipartText.part(request, "device_id"),
                MultipartText.part(request, "trigger_id"), image == null ? null : image.getBytes(),
                MultipartText.part(request, "captured_at")), device);
    }

    private ResponseEntity<Capture> stored(CaptureUpload upload, DevicePrincipal device) {
        Capture capture = producer.requestBodyAndHeader("direct:capture-store", upload, "CaravanDeviceId",
                device.deviceId(), Capture.class);
        return ResponseEntity.status(HttpStatus.CREATED).body(capture);
    }
}
