package caravan.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.springframework.stereotype.Component;

/**
 * Checks that a model can be served before it is accepted: the file is a whole ONNX model of an operator set the
 * devices implement, ONNX Runtime loads it, and it runs on a tensor of every input's own element type and shape with
 * every output produced and finite. Unlike the reference, no input is assumed to be the only one or 2-dimensional.
 */
@Component
public class ModelValidator {

    /** One input or output of a model; {@code shape} holds a dimension's size, or its name when it is dynamic. */
    public record Port(String name, String type, List<Object> shape) {
    }

    /** What validation learnt of an accepted model. */
    public record Validated(long irVersion, long opset, String producer, List<Port> inputs, List<Port> outputs,
            long validationMillis) {
    }

    /** A model that failed {@code check}: not-onnx, truncated, unsupported-opset, input-shape, load, inference or output. */
    public static final class ModelRejectedException extends Exception {

        private final String check;

        ModelRejectedException(String check, String message) {
            super(message);
            this.check = check;
        }

        public String check() {
            return check;
        }

        /** "check: why", as kept in error.json and answered by the API. */
        public String problem() {
            return check + ": " + getMessage();
        }
    }

    private static final String TYPE_PREFIX = "ONNX_TENSOR_ELEMENT_DATA_TYPE_";

    private final ModelProperties properties;
    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();

    public ModelValidator(ModelProperties properties) {
        this.properties = properties;
    }

    public Validated validate(Path file, Map<String, List<Long>> inputShapes) throws ModelRejectedException, IOException {
        long started = System.nanoTime();
        OnnxHeader header;
        try {
            header = OnnxHeader.read(file);
        } catch (OnnxHeader.NotAModelException e) {
            throw new ModelRejectedException(e.check(), e.getMessage());
        }
        if (header.defaultOpset() > properties.maxOpset()) {
            throw new ModelRejectedException("unsupported-opset", "the model needs ai.onnx operator set "
                    + header.defaultOpset() + "; the devices' ONNX Runtime implements up to " + properties.maxOpset()
                    + " (caravan.models.max-opset)");
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // the hub's cores serve other work while a model is validated
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            try (OrtSession session = load(file, options)) {
                List<Port> inputs = ports(session.getInputInfo());
                List<Port> outputs = ports(session.getOutputInfo());
                Map<String, long[]> shapes = dummyShapes(session.getInputInfo(), inputShapes);
                run(session, shapes);
                return new Validated(header.irVersion(), header.defaultOpset(), header.producer(), inputs, outputs,
                        (System.nanoTime() - started) / 1_000_000);
            }
        } catch (OrtException e) {
            throw new ModelRejectedException("load", "ONNX Runtime could not set up a session: " + e.getMessage());
        }
    }

    private OrtSession load(Path file, OrtSession.SessionOptions options) throws ModelRejectedException {
        try {
            return environment.createSession(file.toString(), options);
        } catch (OrtException e) {
            throw new ModelRejectedException("load", "ONNX Runtime cannot load the model: " + e.getMessage());
        }
    }

    /** Every input's shape with its dynamic dimensions filled from {@code inputShapes}, else 1. */
    private static Map<String, long[]> dummyShapes(Map<String, NodeInfo> inputs, Map<String, List<Long>> given)
            throws ModelRejectedException {
        List<String> problems = new ArrayList<>();
        given.keySet().stream().filter(name -> !inputs.containsKey(name)).forEach(name -> problems.add(
                "inputShapes names " + name + ", which is not an input of the model (its inputs: " + inputs.keySet() + ")"));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (NodeInfo input : inputs.values()) {
            if (!(input.getInfo() instanceof TensorInfo tensor)) {
                problems.add("input " + input.getName() + " is a " + input.getInfo() + ", not a tensor: only tensor "
                        + "inputs can be given a test value");
                continue;
            }
            long[] declared = tensor.getShape();
            List<Long> wanted = given.get(input.getName());
            long[] shape = new long[declared.length];
            if (wanted != null && wanted.size() != declared.length) {
                problems.add("inputShapes." + input.getName() + " has " + wanted.size() + " dimensions; the model's input "
                        + "has " + declared.length + " " + Arrays.toString(declared));
                continue;
            }
            for (int i = 0; i < declared.length; i++) {
                long size = wanted == null ? (declared[i] > 0 ? declared[i] : 1) : wanted.get(i);
                if (declared[i] > 0 && size != declared[i]) {
                    problems.add("inputShapes." + input.getName() + " gives dimension " + i + " as " + size
                            + ", but the model fixes it at " + declared[i]);
                }
                shape[i] = size;
            }
            shapes.put(input.getName(), shape);
        }
        if (!problems.isEmpty()) {
            throw new ModelRejectedException("input-shape", String.join("; ", problems));
        }
        return shapes;
    }

    private void run(OrtSession session, Map<String, long[]> shapes) throws ModelRejectedException, OrtException {
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, long[]> input : shapes.entrySet()) {
                TensorInfo info = (TensorInfo) session.getInputInfo().get(input.getKey()).getInfo();
                feed.put(input.getKey(), testTensor(info.type, input.getValue()));
            }
            try (OrtSession.Result result = session.run(feed)) {
                for (String output : session.getOutputNames()) {
                    OnnxValue value = result.get(output).orElseThrow(() -> new ModelRejectedException("output",
                            "output " + output + " was not produced"));
                    String problem = nonFinite(value);
                    if (problem != null) {
                        throw new ModelRejectedException("output", "output " + output + " " + problem
                                + " for a test input of every input's type and shape " + describe(shapes));
                    }
                }
            } catch (OrtException e) {
                throw new ModelRejectedException("inference", "the model failed on a test input of shapes "
                        + describe(shapes) + ": " + e.getMessage());
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * Values in (0, 1) for floating-point inputs, which every activation accepts; zero for the rest, which is a valid
     * index and a valid flag.
     */
    private OnnxTensor testTensor(OnnxJavaType type, long[] shape) throws OrtException {
        int count = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
        if (type == OnnxJavaType.STRING) {
            String[] values = new String[count];
            Arrays.fill(values, "");
            return OnnxTensor.createTensor(environment, values, shape);
        }
        if (type == OnnxJavaType.FLOAT) {
            FloatBuffer values = FloatBuffer.allocate(count);
            for (int i = 0; i < count; i++) {
                values.put(0.25f + 0.5f * (i % 7) / 7);
            }
            return OnnxTensor.createTensor(environment, values.flip(), shape);
        }
        if (type == OnnxJavaType.DOUBLE) {
            DoubleBuffer values = DoubleBuffer.allocate(count);
            for (int i = 0; i < count; i++) {
                values.put(0.25 + 0.5 * (i % 7) / 7);
            }
            return OnnxTensor.createTensor(environment, values.flip(), shape);
        }
        ByteBuffer zeros = ByteBuffer.allocateDirect(count * type.size).order(ByteOrder.nativeOrder());
        return OnnxTensor.createTensor(environment, zeros, shape, type);
    }

    /** Null when every value of a floating-point tensor is finite (other types cannot be otherwise). */
    private static String nonFinite(OnnxValue value) {
        if (!(value instanceof OnnxTensor tensor)) {
            return null;
        }
        TensorInfo info = tensor.getInfo();
        if (info.type == OnnxJavaType.FLOAT || info.type == OnnxJavaType.FLOAT16 || info.type == OnnxJavaType.BFLOAT16) {
            FloatBuffer values = tensor.getFloatBuffer();
            for (int i = 0; i < values.limit(); i++) {
                if (!Float.isFinite(values.get(i))) {
                    return "is " + values.get(i) + " at element " + i;
                }
            }
        } else if (info.type == OnnxJavaType.DOUBLE) {
            DoubleBuffer values = tensor.getDoubleBuffer();
            for (int i = 0; i < values.limit(); i++) {
                if (!Double.isFinite(values.get(i))) {
                    return "is " + values.get(i) + " at element " + i;
                }
            }
        }
        return null;
    }

    private static List<Port> ports(Map<String, NodeInfo> nodes) {
        return nodes.values().stream().map(node -> {
            if (!(node.getInfo() instanceof TensorInfo tensor)) {
                return new Port(node.getName(), node.getInfo().toString(), List.of());
            }
            long[] shape = tensor.getShape();
            String[] names = tensor.getDimensionNames();
            List<Object> dims = new ArrayList<>();
            for (int i = 0; i < shape.length; i++) {
                dims.add(shape[i] > 0 ? (Object) shape[i] : names[i] == null || names[i].isEmpty() ? "?" : names[i]);
            }
            return new Port(node.getName(), typeName(tensor), List.copyOf(dims));
        }).toList();
    }

    private static String typeName(TensorInfo tensor) {
        return tensor.onnxType.name().replace(TYPE_PREFIX, "").toLowerCase(Locale.ROOT);
    }

    private static String describe(Map<String, long[]> shapes) {
        StringBuilder text = new StringBuilder("{");
        shapes.forEach((name, shape) -> text.append(text.length() > 1 ? ", " : "").append(name).append(Arrays.toString(shape)));
        return text.append('}').toString();
    }
}
