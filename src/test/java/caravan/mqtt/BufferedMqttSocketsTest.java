package caravan.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.Test;

class BufferedMqttSocketsTest {

    private final BufferedMqttSockets sockets = new BufferedMqttSockets();

    @Test
    void everyByteArrivesInOrder_whicheverWayItIsRead() throws Exception {
        byte[] sent = new byte[300_000];
        new Random(7).nextBytes(sent);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = sockets.createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                Socket peer = server.accept()) {
            Thread writer = new Thread(() -> write(peer, sent));
            writer.start();
            byte[] received = new byte[sent.length];
            int at = 0;
            while (at < received.length) {
                // As Paho reads: single header bytes, then the rest of a packet; asking for the stream each time.
                InputStream input = client.getInputStream();
                received[at++] = (byte) input.read();
                at += input.readNBytes(received, at, Math.min(97, received.length - at));
            }
            writer.join();
            assertThat(received).isEqualTo(sent);
        }
    }

    @Test
    void aReadThatTimesOutLosesNothing_theNextReadGetsTheData() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = sockets.createSocket("127.0.0.1", server.getLocalPort());
                Socket peer = server.accept()) {
            client.setSoTimeout(100); // Paho sets a read timeout and reads again after it
            InputStream input = client.getInputStream();
            assertThatThrownBy(input::read).isInstanceOf(SocketTimeoutException.class);
            write(peer, new byte[] {1, 2, 3});
            assertThat(input.readNBytes(3)).containsExactly(1, 2, 3);
        }
    }

    @Test
    void availableCountsWhatIsBuffered_orWhatTheSocketHoldsWhenNothingIs() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = sockets.createSocket("127.0.0.1", server.getLocalPort());
                Socket peer = server.accept()) {
            InputStream input = client.getInputStream();
            assertThat(input.available()).isZero();
            write(peer, new byte[] {1, 2, 3});
            assertThat(input.read()).isEqualTo(1); // buffers all three
            assertThat(input.available()).isEqualTo(2);
            assertThat(input.readNBytes(2)).containsExactly(2, 3);

            write(peer, new byte[] {4, 5});
            await().atMost(Duration.ofSeconds(5)).until(() -> input.available() == 2);
            assertThat(input.readNBytes(2)).containsExactly(4, 5);
        }
    }

    @Test
    void onlyPlainTcpBrokersGetTheseSockets_tlsNeedsPahosOwnFactory() {
        assertThat(BufferedMqttSockets.uriOption("tcp://127.0.0.1:1883"))
                .isEqualTo("&socketFactory=#bufferedMqttSockets");
        assertThat(BufferedMqttSockets.uriOption("ssl://broker:8883")).isEmpty();
    }

    private static void write(Socket socket, byte[] bytes) {
        try {
            OutputStream output = socket.getOutputStream();
            output.write(bytes);
            output.flush();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
