package caravan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import caravan.deploy.MqttLogin;

class AgentCredentialsTest {

    @TempDir
    Path dir;

    @Test
    void aFileOnlyTheAgentMayReadGivesTheLogin_whichNeverPrintsItsPassword() throws Exception {
        Path file = credentials("rw-------", "username=pi-dock-1\npassword=s3cret\n");

        MqttLogin login = AgentCredentials.load(file.toString(), "", "");

        assertThat(login).isEqualTo(new MqttLogin("pi-dock-1", "s3cret"));
        assertThat(login.toString()).doesNotContain("s3cret");
    }

    @Test
    void aFileOthersMayReadOrWithoutAPasswordIsRefused_namingTheProblem() throws Exception {
        Path readable = credentials("rw-r--r--", "username=pi-dock-1\npassword=s3cret\n");
        assertThatThrownBy(() -> AgentCredentials.load(readable.toString(), "", ""))
                .hasMessageContaining("may be read by others").hasMessageContaining("chmod 600");

        Path incomplete = credentials("rw-------", "username=pi-dock-1\n");
        assertThatThrownBy(() -> AgentCredentials.load(incomplete.toString(), "", ""))
                .hasMessageContaining("has no password line");
    }

    @Test
    void theEnvironmentGivesTheLoginWhenNoFileIsNamed_andNothingGivesNone() throws Exception {
        assertThat(AgentCredentials.load("", "pi-dock-1", "s3cret")).isEqualTo(new MqttLogin("pi-dock-1", "s3cret"));
        assertThat(AgentCredentials.load("", "pi-dock-1", "")).isNull();
    }

    private Path credentials(String permissions, String content) throws Exception {
        Path file = Files.createTempFile(dir, "credentials", "");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }
}
