package caravan.acp;

import java.time.OffsetDateTime;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * An ACP run as the protocol shows it. {@code output} is ACP 0.2's name, {@code outputs} 0.1's (what the
 * marketplace's client reads); both hold the same one message.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record AcpRun(String agentName, String runId, String status, List<Message> output, List<Message> outputs,
        Error error, OffsetDateTime createdAt, OffsetDateTime finishedAt) {

    /** The request: {@code inputs} (ACP 0.1) or {@code input} (0.2), each a message of parts. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Request(String agentName, List<Message> inputs, List<Message> input, String mode, String sessionId) {

        public List<Message> messages() {
            return inputs != null ? inputs : input;
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Message(String role, List<Part> parts) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Part(String contentType, String content) {
    }

    /** @param code {@code invalid_input}, {@code not_found} or {@code server_error} */
    public record Error(String code, String message) {
    }

    /** A Server-Sent Event of a streamed run: {@code run.*} events carry the run, {@code message.*} its output. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Event(String type, AcpRun run, Part part, Message message) {
    }

    public boolean over() {
        return List.of("completed", "failed", "cancelled").contains(status);
    }

    /** The output part as JSON, for a caller that reads it back. */
    public static List<Message> outputOf(String agentName, JsonNode output) {
        return output == null ? List.of() : List.of(new Message("agent/" + agentName,
                List.of(new Part("application/json", output.toString()))));
    }
}
