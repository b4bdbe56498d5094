package caravan.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;
import org.apache.sshd.sftp.client.fs.SftpFileSystem;

/** A logged-in session with one edge: commands on its shell and its files over SFTP. */
public final class SshSession implements AutoCloseable {

    /** What a command printed and how it exited. */
    public record Result(int exitCode, String stdout, String stderr) {

        public boolean ok() {
            return exitCode == 0;
        }
    }

    private final String edgeId;
    private final ClientSession session;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private SftpFileSystem files;

    SshSession(String edgeId, ClientSession session, Runnable onClose) {
        this.edgeId = edgeId;
        this.session = session;
        this.onClose = onClose;
    }

    public String edgeId() {
        return edgeId;
    }

    /**
     * Runs {@code words}, each quoted, and {@code redirect} (such as {@code 2>&1}) on the edge. Fails only when the
     * command could not be run or did not finish within {@code timeout}; its exit code is in the result.
     */
    public Result run(List<String> words, String redirect, Duration timeout) {
        String commandLine = ShellWords.join(words) + (redirect.isEmpty() ? "" : " " + redirect);
        String shown = words.size() > 1 ? words.get(0) + " " + words.get(1) : words.get(0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ChannelExec channel = session.createExecChannel(commandLine)) {
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(timeout);
            Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
            if (events.contains(ClientChannelEvent.TIMEOUT)) {
                throw new IllegalStateException("'" + shown + "' on edge " + edgeId + " did not finish within " + timeout);
            }
            Integer exit = channel.getExitStatus();
            return new Result(exit == null ? -1 : exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("'" + shown + "' could not be run on edge " + edgeId + ": " + e.getMessage(), e);
        }
    }

    public Result run(List<String> words, Duration timeout) {
        return run(words, "", timeout);
    }

    /** A path on the edge, relative to the SSH user's home unless absolute; read and written over SFTP. */
    public synchronized Path path(String first, String... more) {
        try {
            if (files == null) {
                files = SftpClientFactory.instance().createSftpFileSystem(session);
            }
            return files.getPath(first, more);
        } catch (IOException e) {
            throw new UncheckedIOException("SFTP to edge " + edgeId + " could not be opened: " + e.getMessage(), e);
        }
    }

    /** Puts {@code temp} in place of {@code target} with one rename(2) on the edge (OpenSSH's posix-rename). */
    public void replace(Path temp, Path target) throws IOException {
        try (SftpClient sftp = ((SftpFileSystem) temp.getFileSystem()).getClient()) {
            OpenSSHPosixRenameExtension rename = sftp.getExtension(OpenSSHPosixRenameExtension.class);
            if (!rename.isSupported()) {
                throw new IOException("the SFTP server of edge " + edgeId + " has no posix-rename: state files cannot "
                        + "be replaced atomically");
            }
            rename.posixRename(temp.toString(), target.toString());
        }
    }

    /** Logs out and lets go of the edge; a second call does nothing (the lock it releases is held once). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (files != null) {
                files.close();
            }
            session.close();
        } catch (IOException e) {
            // the session is gone either way
        } finally {
            onClose.run();
        }
    }
}
