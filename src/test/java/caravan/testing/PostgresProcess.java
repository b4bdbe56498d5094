package caravan.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster of a test's own, on a free loopback port, that the test can stop and start again: the shared
 * one serves every other test. Run as the postgres user (it refuses root), with a password of its own.
 */
public final class PostgresProcess implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final String password = UUID.randomUUID().toString();

    private PostgresProcess(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Creates the cluster in {@code dir} (which the postgres user is given) and starts it. */
    public static PostgresProcess start(Path dir) throws IOException, InterruptedException {
        PostgresProcess postgres = new PostgresProcess(dir, HubProcess.freePort());
        UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(dir, owner);
        Path passwordFile = dir.resolve("password");
        Files.writeString(passwordFile, postgres.password);
        Files.setOwner(passwordFile, owner);
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        postgres.asPostgres("initdb", "-D", postgres.data().toString(), "-A", "scram-sha-256",
                "--pwfile=" + passwordFile, "-U", "postgres");
        postgres.start();
        return postgres;
    }

    public void start() throws IOException, InterruptedException {
        asPostgres("pg_ctl", "-D", data().toString(), "-l", dir.resolve("server.log").toString(), "-w", "-o",
                "-c listen_addresses=127.0.0.1 -c port=" + port + " -c unix_socket_directories=" + dir, "start");
    }

    /** Stops it as an operator would for maintenance: connections are cut at once. */
    public void stop() throws IOException, InterruptedException {
        asPostgres("pg_ctl", "-D", data().toString(), "-m", "fast", "-w", "stop");
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    public String password() {
        return password;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (Files.exists(data().resolve("postmaster.pid"))) {
            stop();
        }
    }

    private Path data() {
        return dir.resolve("data");
    }

    private void asPostgres(String program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", "postgres", "--", bin(program)));
        command.addAll(List.of(args));
        Services.CommandResult result = Services.run(command.toArray(String[]::new));
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + result.output());
        }
    }

    /** The newest installed PostgreSQL's program: Debian keeps them under /usr/lib/postgresql/VERSION/bin. */
    private static String bin(String program) throws IOException {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.max((a, b) -> Integer.compare(Integer.parseInt(a.getFileName().toString()),
                            Integer.parseInt(b.getFileName().toString())))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL under /usr/lib/postgresql: run "
                            + "scripts/services.sh"))
                    .resolve("bin").resolve(program).toString();
        }
    }
}
