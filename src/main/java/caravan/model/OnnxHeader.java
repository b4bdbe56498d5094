package caravan.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;

/**
 * The top of an ONNX file (a protobuf {@code ModelProto}): its IR version, producer and operator set imports. Read
 * with protobuf's wire reader because ONNX Runtime's Java API exposes neither opsets nor why a file is not a model;
 * the generated ONNX classes would be a large dependency for four fields.
 */
record OnnxHeader(long irVersion, String producer, Map<String, Long> opsets) {

    /** The operator set of the default domain, {@code ai.onnx}, or 0 when the model imports none. */
    long defaultOpset() {
        return opsets.getOrDefault("", opsets.getOrDefault("ai.onnx", 0L));
    }

    /** What is wrong with a file that is not a whole ONNX model. */
    static final class NotAModelException extends Exception {

        private final String check;

        NotAModelException(String check, String message) {
            super(message);
            this.check = check;
        }

        /** {@code not-onnx} or {@code truncated}. */
        String check() {
            return check;
        }
    }

    private static final int IR_VERSION = 1;
    private static final int PRODUCER_NAME = 2;
    private static final int GRAPH = 7;
    private static final int OPSET_IMPORT = 8;
    /** Every field ModelProto has had (onnx.proto3): anything else means the bytes are not a model. */
    private static final Set<Integer> MODEL_FIELDS = Set.of(1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25);

    static OnnxHeader read(Path file) throws IOException, NotAModelException {
        long size = Files.size(file);
        if (size == 0) {
            throw new NotAModelException("not-onnx", "the file is empty");
        }
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream model = CodedInputStream.newInstance(in);
            model.setSizeLimit(Integer.MAX_VALUE);
            long irVersion = 0;
            String producer = "";
            boolean graph = false;
            Map<String, Long> opsets = new LinkedHashMap<>();
            int first = model.readTag();
            if (WireFormat.getTagFieldNumber(first) != IR_VERSION || WireFormat.getTagWireType(first) != WireFormat.WIRETYPE_VARINT) {
                // serializers write fields in order, and every model has an IR version: it comes first
                throw notOnnx("it does not start with an IR version");
            }
            for (int tag = first; tag != 0; tag = model.readTag()) {
                int field = WireFormat.getTagFieldNumber(tag);
                if (!MODEL_FIELDS.contains(field)) {
                    throw notOnnx("field " + field + " at byte " + model.getTotalBytesRead() + " is not one of an ONNX model");
                }
                switch (field) {
                    case IR_VERSION -> irVersion = model.readInt64();
                    case PRODUCER_NAME -> producer = model.readString();
                    case OPSET_IMPORT -> readOpset(model.readBytes().newCodedInput(), opsets);
                    case GRAPH -> {
                        graph = true;
                        model.skipField(tag);
                    }
                    default -> model.skipField(tag);
                }
            }
            if (irVersion <= 0 || !graph) {
                throw notOnnx(irVersion <= 0 ? "it has no IR version" : "it has no graph");
            }
            return new OnnxHeader(irVersion, producer, Map.copyOf(opsets));
        } catch (InvalidProtocolBufferException e) {
            if (e.getMessage() != null && e.getMessage().contains("ended unexpectedly")) {
                throw new NotAModelException("truncated", "the file ends in the middle of the model after " + size
                        + " bytes: it was cut off in transfer or is still being written");
            }
            throw notOnnx(e.getMessage());
        }
    }

    private static void readOpset(CodedInputStream entry, Map<String, Long> opsets) throws IOException {
        String domain = "";
        long version = 0;
        for (int tag = entry.readTag(); tag != 0; tag = entry.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> domain = entry.readString();
                case 2 -> version = entry.readInt64();
                default -> entry.skipField(tag);
            }
        }
        opsets.put(domain, version);
    }

    private static NotAModelException notOnnx(String detail) {
        return new NotAModelException("not-onnx", "the file is not an ONNX model: " + detail);
    }
}
