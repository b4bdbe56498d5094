package caravan.mqtt;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

import javax.net.SocketFactory;

import org.springframework.stereotype.Component;

/**
 * Plain TCP sockets whose input is buffered, for Paho's MQTT client on {@code tcp://} brokers: Paho reads each
 * packet's header from the socket one byte per call, and so one system call per byte, which at thousands of
 * messages a second cost more than a third of its receiving thread. Paho takes a socket factory for exactly this
 * kind of policy; the JDK has no buffered socket of its own.
 */
@Component(BufferedMqttSockets.BEAN)
public class BufferedMqttSockets extends SocketFactory {

    public static final String BEAN = "bufferedMqttSockets";
    private static final int BUFFER_BYTES = 64 * 1024;

    /** The endpoint URI option that gives a Paho endpoint on {@code brokerUrl} these sockets; none for TLS brokers. */
    public static String uriOption(String brokerUrl) {
        return brokerUrl.startsWith("tcp://") ? "&socketFactory=#" + BEAN : "";
    }

    @Override
    public Socket createSocket() {
        return new BufferedInputSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(null, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(localHost, localPort), new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(null, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(localAddress, localPort), new InetSocketAddress(address, port));
    }

    private Socket connected(InetSocketAddress local, InetSocketAddress remote) throws IOException {
        Socket socket = createSocket();
        if (local != null) {
            socket.bind(local);
        }
        socket.connect(remote);
        return socket;
    }

    /** Hands out one buffered stream for its whole life: a second buffer would lose what the first holds. */
    private static final class BufferedInputSocket extends Socket {

        private InputStream input;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (input == null) {
                input = new BufferedSocketInput(super.getInputStream());
            }
            return input;
        }
    }

    /**
     * Paho asks how much is available before each packet; a plain buffered stream asks the socket every time, a
     * system call, even when its buffer already holds the next packet.
     */
    private static final class BufferedSocketInput extends BufferedInputStream {

        BufferedSocketInput(InputStream socket) {
            super(socket, BUFFER_BYTES);
        }

        @Override
        public synchronized int available() throws IOException {
            int buffered = count - pos;
            return buffered > 0 ? buffered : super.available();
        }
    }
}
