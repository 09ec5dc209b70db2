package org.nemo.bridge.outbound;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;

import javax.net.SocketFactory;

/**
 * The sockets of the LISTEN connection, which cap what one call of the driver may read.
 *
 * <p>Why: the PostgreSQL driver keeps every notification it reads in a list until
 * {@code getNotifications()} returns, and once one has come it reads on for as long as more
 * bytes keep coming. Any database login may NOTIFY on the doorbell's channel, and the server
 * hands a listener every notification of a committed transaction at once: 150,000 of 2,000
 * bytes are 300 MB of strings, and the process died of it. The bridge needs none of their
 * payloads. Past the {@link ReadLimit} one call ends with a {@link NotificationFlood} instead;
 * the driver then treats the connection as broken, the consumer drops it with what it had
 * read and listens again on a new one, whose LISTEN starts after the flood. Only doorbells are
 * lost, and the poll covers those.
 *
 * <p>The driver makes this factory by class name ({@code socketFactory} connection property);
 * {@link #connect} hands it the limit of the connection being opened.
 */
public class DoorbellSocketFactory extends SocketFactory {

    private static final ThreadLocal<ReadLimit> OPENING = new ThreadLocal<>();

    private final ReadLimit limit;

    /** Made by the driver while {@link #connect} opens a connection on this thread. */
    public DoorbellSocketFactory() {
        this.limit = OPENING.get();
    }

    /** Opens a connection whose sockets come from this factory and count against {@code limit}. */
    static Connection connect(ReadLimit limit, SqlOpener opener) throws SQLException {
        OPENING.set(limit);
        try {
            return opener.open();
        } finally {
            OPENING.remove();
        }
    }

    @FunctionalInterface
    interface SqlOpener {
        Connection open() throws SQLException;
    }

    @Override
    public Socket createSocket() {
        return new LimitedSocket(limit);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket socket = createSocket();
        socket.connect(new InetSocketAddress(host, port));
        return socket;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localAddress, int localPort) throws IOException {
        Socket socket = createSocket();
        socket.bind(new InetSocketAddress(localAddress, localPort));
        socket.connect(new InetSocketAddress(host, port));
        return socket;
    }

    @Override
    public Socket createSocket(InetAddress address, int port) throws IOException {
        Socket socket = createSocket();
        socket.connect(new InetSocketAddress(address, port));
        return socket;
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        Socket socket = createSocket();
        socket.bind(new InetSocketAddress(localAddress, localPort));
        socket.connect(new InetSocketAddress(address, port));
        return socket;
    }

    /**
     * How many bytes one call of the driver may read on the LISTEN connection: the consumer
     * starts each call with {@link #startCall()}. Used by the consumer's one thread only.
     */
    static final class ReadLimit {

        private final long maxBytes;
        private long read;

        ReadLimit(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        void startCall() {
            read = 0;
        }

        void count(long bytes) throws NotificationFlood {
            read += bytes;
            if (read > maxBytes) {
                throw new NotificationFlood(maxBytes);
            }
        }
    }

    /** More notifications than the limit arrived at once; they are dropped with the connection. */
    static final class NotificationFlood extends IOException {

        NotificationFlood(long maxBytes) {
            super("over " + maxBytes + " bytes of notifications arrived at once (a flood on the channel); "
                    + "dropped with the connection");
        }
    }

    private static final class LimitedSocket extends Socket {

        private final ReadLimit limit;
        private InputStream in;

        LimitedSocket(ReadLimit limit) {
            this.limit = limit;
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (limit == null) {
                return super.getInputStream();
            }
            if (in == null) {
                in = new CountingInputStream(super.getInputStream(), limit);
            }
            return in;
        }
    }

    private static final class CountingInputStream extends FilterInputStream {

        private final ReadLimit limit;

        CountingInputStream(InputStream in, ReadLimit limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                limit.count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                limit.count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            limit.count(skipped);
            return skipped;
        }
    }
}
