package caravan.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

import caravan.model.ModelValidator.ModelRejectedException;
import caravan.model.ModelValidator.Port;
import caravan.model.ModelValidator.Validated;
import caravan.testing.Services;

/** Real models from scripts/models/make-test-models.py and Debian's libonnx-testdata, through real ONNX Runtime. */
class ModelValidatorTest {

    final ModelValidator validator = new ModelValidator(new ModelProperties(null, null, null, null,
            DataSize.ofMegabytes(512), 21, DataSize.ofMegabytes(64), 3, null, null, null, 1,
            Duration.ofMinutes(1), Duration.ofSeconds(2)));

    @TempDir
    Path dir;

    @Test
    void acceptsAPolicyWithItsInputsAndOutputs() throws Exception {
        Validated policy = validator.validate(Services.testModel("policy-v1.onnx"), Map.of());

        assertThat(policy.opset()).isEqualTo(17);
        assertThat(policy.irVersion()).isEqualTo(8);
        assertThat(policy.producer()).isEqualTo("caravan-test-models");
        assertThat(policy.inputs()).containsExactly(new Port("obs", "float", List.of("batch", 8L)));
        assertThat(policy.outputs()).containsExactly(new Port("action", "float", List.of("batch", 2L)));
    }

    @Test
    void givesEveryInputATensorOfItsOwnTypeAndShape() throws Exception {
        Validated model = validator.validate(Services.testModel("multi-input.onnx"),
                Map.of("image", List.of(2L, 3L, 16L, 24L), "steps", List.of(2L, 5L)));

        assertThat(model.inputs()).containsExactly(
                new Port("image", "float", List.of("batch", 3L, "height", "width")),
                new Port("steps", "int64", List.of("batch", "horizon")),
                new Port("gain", "double", List.of()));
        assertThat(model.outputs()).extracting(Port::name).containsExactly("score", "steps_shape");
        // Debian's ONNX test models: a boolean condition with float branches, and 8-bit integers
        assertThat(validator.validate(Services.onnxTestdata("node/test_where_example"), Map.of()).inputs())
                .extracting(Port::type).containsExactly("bool", "float", "float");
        assertThat(validator.validate(Services.onnxTestdata("node/test_add_uint8"), Map.of()).inputs())
                .extracting(Port::type).containsExactly("uint8", "uint8");
    }

    @Test
    void rejectsShapesTheModelDoesNotFit() {
        assertRejected(Services.testModel("multi-input.onnx"), Map.of("image", List.of(1L, 4L, 8L, 8L), "speed", List.of(1L)),
                "input-shape", "gives dimension 1 as 4, but the model fixes it at 3",
                "inputShapes names speed, which is not an input of the model");
        assertRejected(Services.testModel("policy-v1.onnx"), Map.of("obs", List.of(8L)),
                "input-shape", "inputShapes.obs has 1 dimensions; the model's input has 2");
    }

    @Test
    void rejectsEachBrokenModelSayingWhichCheckFailedAndWhy() throws Exception {
        byte[] policy = Files.readAllBytes(Services.testModel("policy-v1.onnx"));
        Path truncated = Files.write(dir.resolve("truncated.onnx"), java.util.Arrays.copyOf(policy, policy.length / 2));
        Path text = Files.writeString(dir.resolve("notes.onnx"), "these are release notes, not a model\n");

        assertRejected(truncated, Map.of(), "truncated", "ends in the middle of the model");
        assertRejected(text, Map.of(), "not-onnx", "not an ONNX model");
        assertRejected(Files.write(dir.resolve("empty.onnx"), new byte[0]), Map.of(), "not-onnx", "empty");
        assertRejected(Services.testModel("future-opset.onnx"), Map.of(), "unsupported-opset",
                "operator set 99; the devices' ONNX Runtime implements up to 21");
        assertRejected(Services.testModel("inference-fails.onnx"), Map.of(), "inference",
                "the model failed on a test input of shapes {obs[1, 8]}", "Gather");
        assertRejected(Services.testModel("nan-output.onnx"), Map.of(), "output", "output action is NaN at element 0");
    }

    private void assertRejected(Path model, Map<String, List<Long>> shapes, String check, String... reasons) {
        assertThatThrownBy(() -> validator.validate(model, shapes))
                .isInstanceOfSatisfying(ModelRejectedException.class, e -> {
                    assertThat(e.check()).isEqualTo(check);
                    assertThat(e.getMessage()).contains(reasons);
                });
    }
}
