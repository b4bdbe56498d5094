package caravan.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/**
 * The policy service of the test devices, run by their supervisord as duck_policy is by systemd on a Jetson: loads
 * {@code current_model.onnx} with ONNX Runtime, runs it once on a fixed observation (obs[1, 8]) and writes which model
 * it serves (its sha256), with the deployment's parameters and the action it computed, to a status file. A model it
 * cannot run makes it exit with an error, as a real policy service would. With no model yet it waits for one.
 *
 * <p>usage: PolicyRunner &lt;models-dir&gt; &lt;status-file&gt;
 */
public final class PolicyRunner {

    private PolicyRunner() {
    }

    public static void main(String[] args) throws Exception {
        Path models = Path.of(args[0]);
        Path status = Path.of(args[1]);
        Files.deleteIfExists(status);
        Path link = models.resolve("current_model.onnx");
        if (Files.exists(link)) {
            serve(link.toRealPath(), models.resolve("current_parameters.json"), status);
        } else {
            System.out.println("no model yet: waiting for the first deployment");
        }
        Thread.currentThread().join(); // a service runs until it is stopped
    }

    private static void serve(Path model, Path parameters, Path status) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(model), digest)) {
            in.transferTo(OutputStream.nullOutputStream()); // a model may be larger than the runner's heap
        }
        String sha256 = HexFormat.of().formatHex(digest.digest());
        System.out.println("loading " + model + " (" + sha256 + ")");
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession session = environment.createSession(model.toString(), new OrtSession.SessionOptions());
                OnnxTensor observation = OnnxTensor.createTensor(environment,
                        new float[][] {{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f}});
                OrtSession.Result result = session.run(Map.of("obs", observation))) {
            float[] action = ((float[][]) result.get(0).getValue())[0];
            String parametersJson = Files.exists(parameters) ? Files.readString(parameters) : "null";
            Path temp = status.resolveSibling(status.getFileName() + ".tmp");
            Files.writeString(temp, "{\"modelSha256\": \"" + sha256 + "\", \"model\": \"" + model.getFileName()
                    + "\", \"parameters\": " + parametersJson + ", \"action\": " + Arrays.toString(action) + "}\n");
            Files.move(temp, status, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            System.out.println("serving " + sha256 + ": action " + Arrays.toString(action));
        }
    }
}
