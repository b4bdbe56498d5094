package caravan.model;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import caravan.edge.EdgeRegistry;
import caravan.hub.HubInstance;
import caravan.hub.TakenOverException;
import caravan.model.ModelDeployments.LinksBefore;
import caravan.model.ModelDeployments.ModelDeployment;
import caravan.model.ModelDeployments.Step;
import caravan.model.ModelStore.Model;
import caravan.ssh.SshConnections;
import caravan.ssh.SshSession;
import caravan.ssh.SshSession.Result;

/**
 * The steps of deploying a model to a device over SSH, each called by its own route (routes/model-deploy.camel.yaml)
 * and recorded with its time. The device's {@code current_model.onnx} (and {@code current_parameters.json}) is a
 * symbolic link that is only ever replaced by rename(2), so the service never finds it missing; once it has been
 * swapped, any failure points it back at the model before and restarts the service again. Every record is made in
 * the name of this hub, which holds the deployment (see {@link ModelDeployQueue}); a deployment another hub has taken
 * over stops here at its next record (a step's change on the device comes before the step's record).
 */
@Component("modelDeploySteps")
public class ModelDeploySteps {

    static final String CURRENT_MODEL = "current_model.onnx";
    static final String CURRENT_PARAMETERS = "current_parameters.json";

    /** A deployment under way: the device's session, held alone until closed, and what the swap replaced. */
    public static final class ModelDeploy {

        final ModelDeployment deployment;
        final Model model;
        final DeviceService service;
        /** Logged in by connect: the device is this deployment's alone until closed. */
        SshSession session;
        /** models/<name>/<version>-<sha12>: the model file without .onnx, and its parameters with a suffix */
        final String remoteBase;
        String previousModel;
        String previousParameters;
        boolean swapped;
        boolean verified;

        ModelDeploy(ModelDeployment deployment, Model model, DeviceService service) {
            this.deployment = deployment;
            this.model = model;
            this.service = service;
            this.remoteBase = model.name() + "/" + model.version() + "-" + model.sha256().substring(0, 12);
        }

        /** Taken up after a hub had begun the swap: the links may point here already; what was before is on record. */
        void swappedBefore(LinksBefore before) {
            swapped = true;
            previousModel = relative(before.model());
            previousParameters = relative(before.parameters());
        }

        /** A path in the models directory as recorded, relative to it as the links point. */
        private String relative(String path) {
            if (path == null) {
                return null;
            }
            String prefix = service.modelsDir() + "/";
            if (!path.startsWith(prefix)) {
                throw new StepFailedException("connect", "the links pointed at " + path + " before this deployment, "
                        + "outside the device's models directory " + service.modelsDir() + " as it is set now");
            }
            return path.substring(prefix.length());
        }

        public String deploymentId() {
            return deployment.deploymentId();
        }

        /** Relative to the models directory, as the links point. */
        String modelFile() {
            return remoteBase + ".onnx";
        }

        String parametersFile() {
            return remoteBase + "." + deployment.deploymentId().substring(0, 8) + ".parameters.json";
        }

        String inModelsDir(String relative) {
            return service.modelsDir() + "/" + relative;
        }
    }

    /** A step that failed, saying which and why. */
    public static final class StepFailedException extends RuntimeException {

        StepFailedException(String step, String reason) {
            super(step + ": " + reason);
        }

        StepFailedException(String step, Exception cause) {
            super(step + ": " + cause.getMessage(), cause);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ModelDeploySteps.class);

    private final ModelDeployments deployments;
    private final ModelStore models;
    private final DeviceServices services;
    private final SshConnections connections;
    private final ModelProperties properties;
    private final HubInstance hub;

    public ModelDeploySteps(ModelDeployments deployments, ModelStore models, DeviceServices services,
            SshConnections connections, ModelProperties properties, HubInstance hub) {
        this.deployments = deployments;
        this.models = models;
        this.services = services;
        this.connections = connections;
        this.properties = properties;
        this.hub = hub;
    }

    /** Logs in to the device: refused before anything is touched when its host key is unconfirmed or not the pinned one. */
    public ModelDeploy connect(String deploymentId) {
        ModelDeployment deployment = deployments.get(deploymentId);
        Model model = models.get(deployment.modelId());
        DeviceService service = services.of(deployment.edgeId()).withDefaults();
        ModelDeploy deploy = new ModelDeploy(deployment, model, service);
        deployments.linksBefore(deploymentId).ifPresent(deploy::swappedBefore);
        try {
            timed(deploymentId, "connect", () -> deploy.session = connections.open(deployment.edgeId()));
        } catch (RuntimeException e) {
            if (deploy.session != null) {
                deploy.session.close(); // logged in, but the step could not be recorded
            }
            throw e;
        }
        return deploy;
    }

    /** The reference's hardware check: architecture, free disk, the service, a GPU when the model needs one. */
    public void preflight(ModelDeploy deploy) {
        timed(deploy.deploymentId(), "preflight", () -> {
            String arch = DeviceFacts.arch(deploy.session, properties.stepTimeout());
            ModelMetadata.Target target = deploy.model.target();
            if (target != null && target.arch() != null && !target.arch().equals(arch)) {
                throw new StepFailedException("preflight", "the device is " + arch + ", the model is built for " + target.arch());
            }
            long freeMb = DeviceFacts.freeDiskMb(deploy.session, deploy.service.modelsDir(), properties.stepTimeout());
            long neededMb = (deploy.model.sizeBytes() + properties.diskMargin().toBytes()) / (1024 * 1024) + 1;
            if (freeMb < neededMb) {
                throw new StepFailedException("preflight", "the device has " + freeMb + " MB free; the model needs "
                        + neededMb + " MB with the margin of " + properties.diskMargin() + " (caravan.models.disk-margin)");
            }
            Result status = run(deploy, deploy.service.statusCommand());
            if (status.exitCode() == DeviceService.NO_SUCH_SERVICE) {
                throw new StepFailedException("preflight", "the device has no service " + deploy.service.service() + " ("
                        + String.join(" ", deploy.service.statusCommand()) + " exited 4: " + output(status) + ")");
            }
            boolean gpuNeeded = target != null && target.gpu();
            if (gpuNeeded && !DeviceFacts.hasGpu(deploy.session, properties.stepTimeout())) {
                throw new StepFailedException("preflight", "the model needs a GPU and the device has neither "
                        + "/etc/nv_tegra_release nor nvidia-smi");
            }
            return arch + ", " + freeMb + " MB free, service " + deploy.service.service() + " present"
                    + (gpuNeeded ? ", GPU present" : "");
        });
    }

    /**
     * Uploads under a temporary name, checks its sha256 on the device and renames it into place; the parameters go
     * beside it. A model already on the device with the right sha256 is not sent again.
     */
    public void upload(ModelDeploy deploy) {
        status(deploy.deploymentId(), "uploading", null);
        timed(deploy.deploymentId(), "upload", () -> {
            String target = deploy.inModelsDir(deploy.modelFile());
            Path remote = deploy.session.path(target);
            Files.createDirectories(remote.getParent());
            String detail;
            if (Files.exists(remote) && deploy.model.sha256().equals(sha256On(deploy, target))) {
                detail = "already on the device as " + target;
            } else {
                String temp = deploy.inModelsDir(deploy.remoteBase + ".onnx.partial-" + deploy.deploymentId().substring(0, 8));
                Path remoteTemp = deploy.session.path(temp);
                Files.copy(models.existingFile(deploy.model.sha256()), remoteTemp, StandardCopyOption.REPLACE_EXISTING);
                String received = sha256On(deploy, temp);
                if (!deploy.model.sha256().equals(received)) {
                    Files.deleteIfExists(remoteTemp);
                    throw new StepFailedException("upload", "the device received a file with sha256 " + received
                            + ", not the model's " + deploy.model.sha256());
                }
                deploy.session.replace(remoteTemp, remote);
                detail = deploy.model.sizeBytes() + " bytes to " + target + ", sha256 checked on the device";
            }
            Path parametersTemp = deploy.session.path(deploy.inModelsDir(deploy.parametersFile() + ".partial"));
            Files.writeString(parametersTemp, deploy.deployment.parameters().toString());
            deploy.session.replace(parametersTemp, deploy.session.path(deploy.inModelsDir(deploy.parametersFile())));
            held(deploy.deploymentId(), deployments.remotePath(deploy.deploymentId(), hub.id(), target));
            return detail;
        });
    }

    /**
     * Points current_model.onnx and current_parameters.json at the new files, each with one rename. What they pointed
     * at is recorded first; a deployment taken up after its swap already has it (see {@link ModelDeploy#swappedBefore}).
     */
    public void swap(ModelDeploy deploy) {
        status(deploy.deploymentId(), "swapping", null);
        timed(deploy.deploymentId(), "swap", () -> {
            if (!deploy.swapped) {
                deploy.previousModel = linkTarget(deploy, CURRENT_MODEL);
                deploy.previousParameters = linkTarget(deploy, CURRENT_PARAMETERS);
                held(deploy.deploymentId(), deployments.swapping(deploy.deploymentId(), hub.id(),
                        inModelsDirOrNull(deploy, deploy.previousModel), inModelsDirOrNull(deploy, deploy.previousParameters)));
                deploy.swapped = true;
            }
            pointLink(deploy, CURRENT_PARAMETERS, deploy.parametersFile());
            pointLink(deploy, CURRENT_MODEL, deploy.modelFile());
            return CURRENT_MODEL + " -> " + deploy.modelFile() + (deploy.previousModel == null ? " (first model)"
                    : ", was " + deploy.previousModel);
        });
    }

    public void restart(ModelDeploy deploy) {
        status(deploy.deploymentId(), "restarting", null);
        timed(deploy.deploymentId(), "restart", () -> {
            Result restart = check(deploy, "restart", deploy.service.restartCommand());
            return output(restart);
        });
    }

    /** The service must stay running for the health window, then answer its health command if it has one. */
    public void verify(ModelDeploy deploy) throws InterruptedException {
        status(deploy.deploymentId(), "verifying", null);
        timed(deploy.deploymentId(), "verify", () -> {
            Instant until = Instant.now().plus(properties.healthWindow());
            Instant started = Instant.now();
            while (true) {
                Result status = run(deploy, deploy.service.statusCommand());
                if (!status.ok()) {
                    throw new StepFailedException("verify", "the service stopped running "
                            + Duration.between(started, Instant.now()).toSeconds() + " s after the restart ("
                            + String.join(" ", deploy.service.statusCommand()) + " exited " + status.exitCode() + ": "
                            + output(status) + ")");
                }
                if (!Instant.now().isBefore(until)) {
                    break;
                }
                Thread.sleep(properties.healthPoll().toMillis()); // the device is polled, not pushed to
            }
            if (!deploy.service.healthCommand().isEmpty()) {
                check(deploy, "verify", deploy.service.healthCommand());
            }
            deploy.verified = true;
            return "running for " + properties.healthWindow().toSeconds() + " s"
                    + (deploy.service.healthCommand().isEmpty() ? "" : ", health command answered");
        });
    }

    /**
     * Keeps {@code keepVersions} models of this name on the device: the current and the previous one, then the newest. The
     * model is deployed by now: a prune that fails is recorded on its step and changes nothing else.
     */
    public void prune(ModelDeploy deploy) {
        try {
            prunePreviousVersions(deploy);
        } catch (TakenOverException e) {
            throw e;
        } catch (RuntimeException e) {
            // recorded on the prune step
        }
    }

    private void prunePreviousVersions(ModelDeploy deploy) {
        timed(deploy.deploymentId(), "prune", () -> {
            Path dir = deploy.session.path(deploy.inModelsDir(deploy.model.name()));
            Set<String> keep = new HashSet<>();
            keep.add(fileName(deploy.modelFile()));
            if (deploy.previousModel != null) {
                keep.add(fileName(deploy.previousModel));
            }
            List<Path> onnx;
            try (Stream<Path> files = Files.list(dir)) {
                onnx = files.filter(file -> file.getFileName().toString().endsWith(".onnx"))
                        .sorted(Comparator.comparing(ModelDeploySteps::modified).reversed()).toList();
            }
            for (Path file : onnx) {
                if (keep.size() >= properties.keepVersions()) {
                    break;
                }
                keep.add(file.getFileName().toString());
            }
            int pruned = 0;
            for (Path model : onnx) {
                String name = model.getFileName().toString();
                if (!keep.contains(name)) {
                    String base = name.substring(0, name.length() - ".onnx".length());
                    try (Stream<Path> files = Files.list(dir)) {
                        for (Path file : files.filter(f -> f.getFileName().toString().startsWith(base + ".")).toList()) {
                            Files.deleteIfExists(file);
                        }
                    }
                    pruned++;
                }
            }
            return "kept " + keep.size() + " versions of " + deploy.model.name() + ", removed " + pruned;
        });
    }

    /**
     * Ends a deployment that failed: once swapped, points the links back to the previous model and restarts the
     * service, keeping its last log lines; before, nothing on the device served changed. Then logs out. Two failures
     * are not the deployment's and leave it under way, for a hub to take up from its first step once this one lets go:
     * the hub stopping mid-step (the thread interrupted), and a verified deployment whose end could not be recorded.
     */
    public void fail(ModelDeploy deploy, Exception cause) {
        try {
            if (interrupted(cause)) {
                LOG.info("Model deployment {} left at a stopping hub's {}: another hub takes it up",
                        deploy.deploymentId(), cause.getMessage());
            } else if (deploy.verified) {
                LOG.error("Model deployment {} was verified, and its end could not be recorded ({}): it is taken up "
                        + "again from its first step", deploy.deploymentId(), cause.getMessage());
            } else {
                recordFailure(deploy.deploymentId(), () -> rollBack(deploy, cause.getMessage()));
            }
        } finally {
            deploy.session.close();
        }
    }

    private static boolean interrupted(Throwable cause) {
        for (Throwable e = cause; e != null; e = e.getCause()) {
            if (e instanceof InterruptedException || e instanceof InterruptedIOException) {
                return true;
            }
        }
        return Thread.currentThread().isInterrupted();
    }

    private void rollBack(ModelDeploy deploy, String reason) {
        if (!deploy.swapped) {
            status(deploy.deploymentId(), "failed", reason);
            return;
        }
        held(deploy.deploymentId(), deployments.serviceLog(deploy.deploymentId(), hub.id(), serviceLog(deploy)));
        if (deploy.previousModel == null) {
            status(deploy.deploymentId(), "failed", reason + "; there was no model before to roll back to");
            return;
        }
        try {
            timed(deploy.deploymentId(), "rollback", () -> {
                if (deploy.previousParameters != null) {
                    pointLink(deploy, CURRENT_PARAMETERS, deploy.previousParameters);
                }
                pointLink(deploy, CURRENT_MODEL, deploy.previousModel);
                check(deploy, "rollback", deploy.service.restartCommand());
                return CURRENT_MODEL + " -> " + deploy.previousModel + " again, service restarted";
            });
        } catch (TakenOverException e) {
            throw e;
        } catch (RuntimeException rollback) {
            status(deploy.deploymentId(), "failed", reason + "; the rollback failed too: " + rollback.getMessage());
            return;
        }
        status(deploy.deploymentId(), "rolled-back", reason + "; rolled back to " + deploy.previousModel);
    }

    /** A deployment that failed before it reached the device (unknown model, device refused the login). */
    public void failBeforeConnect(String deploymentId, Exception cause) {
        recordFailure(deploymentId, () -> status(deploymentId, "failed", cause.getMessage()
                + deployments.linksBefore(deploymentId).map(before -> "; taken up after the swap had begun, the device's "
                        + "links are left as that hub left them; the model served before was "
                        + (before.model() == null ? "none" : before.model()) + ": deploy it again to return to it")
                        .orElse("")));
    }

    /**
     * Records how a failed deployment ended, or leaves it: taken over, the hub holding it now records it; not recorded
     * (the database did not answer), it stays under way, and once this hub lets go of it a hub takes it up again.
     */
    private void recordFailure(String deploymentId, Runnable record) {
        try {
            record.run();
        } catch (TakenOverException e) {
            LOG.warn(e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("Model deployment {} failed, and how could not be recorded ({}): it is taken up again from its "
                    + "first step", deploymentId, e.getMessage());
        }
    }

    /** Another hub runs the deployment now: this hub logs out and leaves the device and the record to it. */
    public void letGo(Object deploy) {
        if (deploy instanceof ModelDeploy underWay) {
            underWay.session.close();
        }
    }

    /** Deployed once every step, the prune included, is on record: a reader of the final status sees them all. */
    public void deployed(ModelDeploy deploy) {
        try {
            status(deploy.deploymentId(), "deployed", null);
        } finally {
            deploy.session.close();
        }
    }

    private void status(String deploymentId, String status, String error) {
        held(deploymentId, deployments.status(deploymentId, hub.id(), status, error));
    }

    /** {@code recorded}: whether a record in this hub's name took; not: another hub holds the deployment now. */
    private void held(String deploymentId, boolean recorded) {
        if (!recorded) {
            throw new TakenOverException("Model deployment " + deploymentId, hub.id());
        }
    }

    private static String inModelsDirOrNull(ModelDeploy deploy, String relative) {
        return relative == null ? null : deploy.inModelsDir(relative);
    }

    private String serviceLog(ModelDeploy deploy) {
        try {
            return output(run(deploy, deploy.service.logsCommand()));
        } catch (RuntimeException e) {
            return "the service's log could not be read: " + e.getMessage();
        }
    }

    /** Where {@code link} in the models directory points, relative to it; null when it is not there. */
    private String linkTarget(ModelDeploy deploy, String link) {
        Result target = run(deploy, List.of("readlink", deploy.inModelsDir(link)));
        return target.ok() ? target.stdout().strip() : null;
    }

    /** A new link beside {@code link}, renamed over it: the link is never missing. */
    private void pointLink(ModelDeploy deploy, String link, String target) {
        String temp = deploy.inModelsDir("." + link + "." + deploy.deploymentId().substring(0, 8));
        run(deploy, List.of("rm", "-f", temp));
        check(deploy, "swap", List.of("ln", "-s", target, temp));
        try {
            deploy.session.replace(deploy.session.path(temp), deploy.session.path(deploy.inModelsDir(link)));
        } catch (IOException e) {
            throw new UncheckedIOException("swap: " + link + " could not be replaced: " + e.getMessage(), e);
        }
    }

    private String sha256On(ModelDeploy deploy, String path) {
        String printed = check(deploy, "upload", List.of("sha256sum", path)).stdout().strip();
        return printed.isEmpty() ? "" : printed.split("\\s+")[0];
    }

    private Result run(ModelDeploy deploy, List<String> command) {
        return deploy.session.run(command, properties.stepTimeout());
    }

    /** Runs the command; an exit status other than 0 fails {@code step} with what it printed. */
    private Result check(ModelDeploy deploy, String step, List<String> command) {
        Result result = run(deploy, command);
        if (!result.ok()) {
            throw new StepFailedException(step, String.join(" ", command) + " exited " + result.exitCode() + ": "
                    + output(result));
        }
        return result;
    }

    private static String output(Result result) {
        String text = (result.stdout() + result.stderr()).strip();
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }

    private static String fileName(String relative) {
        return relative.substring(relative.lastIndexOf('/') + 1);
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /** A step that answers a detail (or the step's result) and may fail. */
    @FunctionalInterface
    private interface StepWork<T> {
        T run() throws Exception;
    }

    /** Runs a step and records it with its time and detail, or with why it failed. */
    private <T> T timed(String deploymentId, String step, StepWork<T> work) {
        OffsetDateTime startedAt = EdgeRegistry.now();
        long started = System.nanoTime();
        try {
            T result = work.run();
            held(deploymentId, deployments.step(deploymentId, hub.id(), new Step(step, startedAt,
                    (System.nanoTime() - started) / 1_000_000, result instanceof String detail ? detail : null)));
            return result;
        } catch (TakenOverException e) {
            throw e;
        } catch (Exception e) {
            held(deploymentId, deployments.step(deploymentId, hub.id(), new Step(step, startedAt,
                    (System.nanoTime() - started) / 1_000_000, "failed: " + e.getMessage())));
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new StepFailedException(step, e);
        }
    }
}
