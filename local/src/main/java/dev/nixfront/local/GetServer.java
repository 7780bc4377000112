package dev.nixfront.local;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small HTTP/1.1 server for reads only, in place of the JDK's {@code com.sun.net.httpserver}:
 * that one costs ~0.5 ms a request (a selector hand-off per exchange and per write), which is
 * most of what substitution of a 200-path closure waits on; nginx answers the same requests in
 * a tenth of that. This one reads each connection on its own thread with blocking I/O, keeps
 * connections alive as curl (so Nix) expects, answers a small object with one write, and sends a
 * file's bytes with {@code transferTo} (sendfile) when the body is a file. Platform threads, not
 * virtual ones: a virtual thread's blocking read parks it and hands the socket to the poller
 * thread, and that hand-off measured ~0.1 ms a request, a third of the server's whole cost; Nix
 * opens at most a few dozen connections, and more than {@value #MAX_CONNECTIONS} at once are
 * closed as they arrive.
 *
 * <p>It serves {@code GET} and {@code HEAD}, and refuses what a read never needs, before any
 * handler sees it: a request head over {@value #MAX_HEAD} bytes (431), a malformed request line
 * or header (400), a request body ({@code Content-Length} above 0 or any
 * {@code Transfer-Encoding}: 400 and the connection closed, so no body can be read as the next
 * request), an HTTP version other than 1.0/1.1 (505), an HTTP/1.1 request without Host (400).
 * A connection idle for {@code idleTimeout}, whose head takes longer than that to arrive, or whose
 * answer the client does not take for that long (a write without progress), is closed.
 *
 * <p>A request as it arrives, answered with a keep-alive:
 * <pre>
 * GET /team/1b8m03r63zqhnjf7l5wnldhh7c134ap5.narinfo HTTP/1.1
 * Host: 127.0.0.1:8081
 * User-Agent: curl/7.88.1 Nix/2.8.0
 * Accept: *&#47;*
 * </pre>
 */
final class GetServer implements AutoCloseable {
    /** The largest request head taken, request line and headers together; nginx's default is 1 KiB + 4 × 8 KiB. */
    static final int MAX_HEAD = 16 * 1024;
    /** Bodies up to this size go out in the same write as the head: one segment for a narinfo. */
    private static final int SMALL_BODY = 64 * 1024;
    private static final int COPY_BUFFER = 256 * 1024;
    /** Connections served at once: nginx's default per worker is 512 too. */
    static final int MAX_CONNECTIONS = 512;
    private static final Duration LINGER = Duration.ofSeconds(2);
    private static final long MAX_LINGER_BYTES = 1 << 20;
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** A request as the handler sees it: header names lower-cased, the first of repeated headers kept. */
    record Request(String method, String rawPath, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * An answer: its headers in order (Content-Length and Date are the server's), the body's
     * length, and the body, read only for a GET (null when the length is 0). Closed once sent.
     */
    record Response(int status, List<Map.Entry<String, String>> headers, long length, ReadableByteChannel body) {
        Response {
            headers = List.copyOf(headers);
            for (Map.Entry<String, String> header : headers) {
                if (!isToken(header.getKey()) || header.getValue().chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                    // Response splitting: a stored value never reaches the wire unchecked.
                    throw new IllegalArgumentException("header not fit to send: " + header.getKey());
                }
            }
        }

        static Response text(int status, List<Map.Entry<String, String>> headers, String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return new Response(status, headers, bytes.length, stream(new ByteArrayInputStream(bytes)));
        }
    }

    /**
     * A stream as a body, read in the server's chunks: {@code Channels.newChannel} reads 8 KiB at a
     * time, which made a NAR cost a system call per 8 KiB.
     */
    static ReadableByteChannel stream(InputStream in) {
        return new ReadableByteChannel() {
            private boolean open = true;

            @Override
            public int read(ByteBuffer target) throws IOException {
                if (!target.hasArray()) {
                    throw new IllegalArgumentException("the server reads bodies into heap buffers");
                }
                int n = in.read(target.array(), target.arrayOffset() + target.position(), target.remaining());
                if (n > 0) {
                    target.position(target.position() + n);
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void close() throws IOException {
                open = false;
                in.close();
            }
        };
    }

    /** Answers one request; what it throws becomes a 503, the connection closed. */
    interface Handler {
        Response answer(Request request) throws IOException;
    }

    private final ServerSocketChannel server;
    private final Handler handler;
    private final Clock clock;
    private final Duration idleTimeout;
    private final ExecutorService threads = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("nixfront-read-", 0).factory());
    /** Every open connection, with the moment its blocked write gives up (0: not writing). */
    private final Map<SocketChannel, AtomicLong> open = new ConcurrentHashMap<>();
    private final Thread acceptor;
    private final ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("nixfront-read-reaper").factory());
    private final ErrorLog errors = new ErrorLog();

    GetServer(int port, Handler handler, Clock clock, Duration idleTimeout) throws IOException {
        this.handler = handler;
        this.clock = clock;
        this.idleTimeout = idleTimeout;
        this.server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        this.acceptor = Thread.ofPlatform().daemon().name("nixfront-read-accept").start(this::accept);
        // A blocking write has no timeout of its own: a client that stops reading would hold its
        // connection, and a slot of MAX_CONNECTIONS, for good. So a write that makes no progress
        // for idleTimeout has its connection closed under it (nginx's send_timeout).
        long period = Math.max(10, Math.min(1000, idleTimeout.toMillis() / 4));
        reaper.scheduleWithFixedDelay(this::closeStalled, period, period, TimeUnit.MILLISECONDS);
    }

    private void closeStalled() {
        long now = System.nanoTime();
        open.forEach((channel, deadline) -> {
            long due = deadline.get();
            if (due != 0 && now - due > 0) {
                closeQuietly(channel);
            }
        });
    }

    /** Connections open now; for tests. */
    int openConnections() {
        return open.size();
    }

    int port() {
        return server.socket().getLocalPort();
    }

    private void accept() {
        while (server.isOpen()) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                System.err.println("nixfront local: read server: accept: " + e);
                continue;
            }
            if (open.size() >= MAX_CONNECTIONS) {
                closeQuietly(channel);
                continue;
            }
            AtomicLong writeDeadline = new AtomicLong();
            open.put(channel, writeDeadline);
            try {
                threads.execute(() -> serve(channel, writeDeadline));
            } catch (RuntimeException e) {
                // Rejected: the server is closing.
                closeQuietly(channel);
                return;
            }
        }
    }

    private void serve(SocketChannel channel, AtomicLong writeDeadline) {
        try (channel) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Connection connection = new Connection(channel, writeDeadline);
            while (connection.exchange()) {
                // One request after another on this connection, until either side closes it.
            }
            connection.linger();
        } catch (SocketTimeoutException | EOFException | ClosedChannelException e) {
            // Idle, gone, or closed by close(): nothing to answer.
        } catch (IOException e) {
            // Reset by the peer mid-answer, most often: the client has what it will get.
        } finally {
            open.remove(channel);
        }
    }

    /** One connection: its socket, its head buffer, and the deadline the reaper watches while it writes. */
    private final class Connection {
        private final SocketChannel channel;
        private final AtomicLong writeDeadline;
        private final InputStream in;
        private final HeadBuffer heads;

        Connection(SocketChannel channel, AtomicLong writeDeadline) throws IOException {
            this.channel = channel;
            this.writeDeadline = writeDeadline;
            // The socket adaptor's stream honours SO_TIMEOUT, which a blocking channel's read does not.
            this.in = channel.socket().getInputStream();
            this.heads = new HeadBuffer(channel.socket(), in, idleTimeout);
        }

        /**
         * Closing a socket with unread bytes in its receive buffer sends a reset, and a reset can
         * destroy the answer still in flight (a 400 for a request with a body, say): so, as nginx
         * does, stop sending, and read and drop what the client still sends, for a short while.
         */
        void linger() throws IOException {
            if (!channel.isOpen() || !channel.isConnected()) {
                return;
            }
            channel.shutdownOutput();
            long deadline = System.nanoTime() + LINGER.toNanos();
            long drained = 0;
            byte[] buffer = new byte[MAX_HEAD];
            while (drained < MAX_LINGER_BYTES) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return;
                }
                channel.socket().setSoTimeout((int) left);
                int n = in.read(buffer, 0, buffer.length);
                if (n < 0) {
                    return;
                }
                drained += n;
            }
        }

        /** Reads and answers one request; false when the connection is to be closed. */
        boolean exchange() throws IOException {
            int headEnd = heads.readHead();
            if (headEnd == -1) {
                return false;
            }
            if (headEnd == -2) {
                send(Response.text(431, List.of(Map.entry("Content-Type", "text/plain")), "431 Request Header Fields Too Large\n"), false, false);
                return false;
            }
            String head = heads.take(headEnd);
            Parsed parsed = parse(head);
            if (parsed.error != null) {
                send(Response.text(parsed.error, List.of(Map.entry("Content-Type", "text/plain")), parsed.error + " " + parsed.reason + "\n"),
                        false, false);
                return false;
            }
            boolean head1 = parsed.request.method().equals("HEAD");
            Response response;
            try {
                response = handler.answer(parsed.request);
            } catch (IOException | RuntimeException e) {
                errors.log(parsed.request.rawPath(), e);
                send(Response.text(503, List.of(Map.entry("Content-Type", "text/plain")), "503 Service Unavailable\n"), head1, false);
                return false;
            }
            return send(response, head1, parsed.keepAlive);
        }

        /** Writes the answer; true when the connection may carry another request. */
        private boolean send(Response response, boolean headOnly, boolean keepAlive) throws IOException {
            try (ReadableByteChannel body = response.body()) {
                StringBuilder head = new StringBuilder(256).append("HTTP/1.1 ").append(response.status()).append(' ')
                        .append(reason(response.status())).append("\r\n");
                for (Map.Entry<String, String> header : response.headers()) {
                    head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
                }
                head.append("Content-Length: ").append(response.length()).append("\r\n")
                        .append("Date: ").append(HTTP_DATE.format(clock.instant())).append("\r\n");
                if (!keepAlive) {
                    head.append("Connection: close\r\n");
                }
                head.append("\r\n");
                byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
                boolean withBody = !headOnly && response.length() > 0 && body != null;
                if (!withBody || response.length() > SMALL_BODY) {
                    writeFully(ByteBuffer.wrap(headBytes));
                    return !withBody ? keepAlive : sendBody(body, response.length()) && keepAlive;
                }
                ByteBuffer out = ByteBuffer.allocate(headBytes.length + (int) response.length());
                out.put(headBytes);
                while (out.hasRemaining()) {
                    if (body.read(out) < 0) {
                        // The origin had less than it announced: the client must not take it as whole.
                        out.flip();
                        writeFully(out);
                        return false;
                    }
                }
                out.flip();
                writeFully(out);
                return keepAlive;
            }
        }

        /** Sends exactly length bytes; false (close the connection) when the body ends early. */
        private boolean sendBody(ReadableByteChannel body, long length) throws IOException {
            long sent = 0;
            if (body instanceof FileChannel file) {
                long position = file.position();
                while (sent < length) {
                    long from = position + sent;
                    long left = length - sent;
                    long n = watched(() -> file.transferTo(from, left, channel));
                    if (n <= 0 && position + sent >= file.size()) {
                        return false;
                    }
                    sent += n;
                }
                return true;
            }
            ByteBuffer copy = ByteBuffer.allocate((int) Math.min(COPY_BUFFER, length));
            while (sent < length) {
                copy.clear().limit((int) Math.min(copy.capacity(), length - sent));
                int n = body.read(copy);
                if (n < 0) {
                    return false;
                }
                copy.flip();
                writeFully(copy);
                sent += n;
            }
            return true;
        }

        private void writeFully(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                watched(() -> channel.write(bytes));
            }
        }

        /** One blocking write, which the reaper closes the connection under if it makes no progress for idleTimeout. */
        private long watched(Write write) throws IOException {
            writeDeadline.set(System.nanoTime() + idleTimeout.toNanos());
            try {
                return write.run();
            } finally {
                writeDeadline.set(0);
            }
        }
    }

    private interface Write {
        long run() throws IOException;
    }

    /**
     * One connection's unread bytes: what is read past a request's head belongs to the next one.
     * Only the connection's own thread touches it.
     */
    private static final class HeadBuffer {
        private final Socket socket;
        private final InputStream in;
        private final Duration idleTimeout;
        private final byte[] buffer = new byte[MAX_HEAD];
        private int start;
        private int end;

        HeadBuffer(Socket socket, InputStream in, Duration idleTimeout) {
            this.socket = socket;
            this.in = in;
            this.idleTimeout = idleTimeout;
        }

        /** The head that ends at headEnd, as text; the bytes after it stay for the next request. */
        String take(int headEnd) {
            String head = new String(buffer, start, headEnd - start, StandardCharsets.ISO_8859_1);
            start = headEnd;
            return head;
        }

        /**
         * Reads until the buffer holds a whole head; its end (just past the blank line), -1 at a
         * clean end of stream before any byte of a new request, -2 when the head is too large.
         */
        int readHead() throws IOException {
            long deadline = -1;
            int scanned = start;
            while (true) {
                // RFC 9112 2.2: a server ignores empty lines before a request line.
                while (start < end && (buffer[start] == '\r' || buffer[start] == '\n')) {
                    start++;
                }
                int found = headEnd(scanned);
                if (found >= 0) {
                    return found;
                }
                scanned = Math.max(start, end - 3);
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    scanned -= start;
                    end -= start;
                    start = 0;
                }
                if (end == buffer.length) {
                    return -2;
                }
                // Idle before a request, or slow within one: either way a connection gets
                // idleTimeout to deliver a whole head, not idleTimeout per byte.
                long now = System.nanoTime();
                if (end > 0 && deadline == -1) {
                    deadline = now + idleTimeout.toNanos();
                }
                long wait = deadline == -1 ? idleTimeout.toMillis() : Math.max(1, (deadline - now) / 1_000_000);
                if (deadline != -1 && now >= deadline) {
                    throw new SocketTimeoutException("request head too slow");
                }
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, wait));
                int n = in.read(buffer, end, buffer.length - end);
                if (n < 0) {
                    if (end > start) {
                        throw new EOFException("connection closed within a request head");
                    }
                    return -1;
                }
                end += n;
            }
        }

        /** Where the head ends (after CRLF CRLF, or LF LF as nginx also takes), or -1. */
        private int headEnd(int from) {
            for (int i = Math.max(from, start); i < end; i++) {
                if (buffer[i] == '\n') {
                    if (i + 1 < end && buffer[i + 1] == '\n') {
                        return i + 2;
                    }
                    if (i + 2 < end && buffer[i + 1] == '\r' && buffer[i + 2] == '\n') {
                        return i + 3;
                    }
                }
            }
            return -1;
        }
    }

    /** A parsed head: the request, or the status and reason to refuse it with. */
    record Parsed(Request request, boolean keepAlive, Integer error, String reason) {
        static Parsed refuse(int status, String reason) {
            return new Parsed(null, false, status, reason);
        }
    }

    static Parsed parse(String head) {
        List<String> lines = new ArrayList<>(List.of(head.split("\r?\n", -1)));
        // The head ends with a blank line: split leaves two empty strings behind it.
        while (!lines.isEmpty() && lines.getLast().isEmpty()) {
            lines.removeLast();
        }
        if (lines.isEmpty()) {
            return Parsed.refuse(400, "Bad Request: empty request line");
        }
        String[] requestLine = lines.getFirst().split(" ", -1);
        if (requestLine.length != 3 || !isToken(requestLine[0])) {
            return Parsed.refuse(400, "Bad Request: malformed request line");
        }
        String version = requestLine[2];
        if (!version.matches("HTTP/[0-9]\\.[0-9]")) {
            return Parsed.refuse(400, "Bad Request: malformed HTTP version");
        }
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            return Parsed.refuse(505, "HTTP Version Not Supported");
        }
        String target = requestLine[1];
        if (!target.startsWith("/") || target.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f || c == '#')) {
            return Parsed.refuse(400, "Bad Request: request target");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        int contentLengths = 0;
        for (String line : lines.subList(1, lines.size())) {
            int colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line.substring(0, colon))) {
                // Also a folded line (leading space) and "Name : value", both of which smuggling relies on.
                return Parsed.refuse(400, "Bad Request: malformed header");
            }
            String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = trimWhitespace(line.substring(colon + 1));
            if (value.chars().anyMatch(c -> c == 0 || c == '\r')) {
                return Parsed.refuse(400, "Bad Request: malformed header");
            }
            if (name.equals("content-length")) {
                contentLengths++;
                if (contentLengths > 1 || !value.equals("0")) {
                    return Parsed.refuse(400, "Bad Request: a read takes no request body");
                }
            }
            if (name.equals("transfer-encoding")) {
                return Parsed.refuse(400, "Bad Request: a read takes no request body");
            }
            headers.putIfAbsent(name, value);
        }
        int query = target.indexOf('?');
        String rawPath = query < 0 ? target : target.substring(0, query);
        if (version.equals("HTTP/1.1") && !headers.containsKey("host")) {
            return Parsed.refuse(400, "Bad Request: no Host header");
        }
        List<String> connection = Arrays.stream(headers.getOrDefault("connection", "").split(","))
                .map(option -> trimWhitespace(option).toLowerCase(Locale.ROOT)).toList();
        boolean keepAlive = version.equals("HTTP/1.1") ? !connection.contains("close") : connection.contains("keep-alive");
        return new Parsed(new Request(requestLine[0], rawPath, headers), keepAlive, null, null);
    }

    /** Without the optional whitespace (space, tab) around a header value; nothing else is whitespace in HTTP. */
    private static String trimWhitespace(String value) {
        int from = 0;
        int to = value.length();
        while (from < to && (value.charAt(from) == ' ' || value.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (value.charAt(to - 1) == ' ' || value.charAt(to - 1) == '\t')) {
            to--;
        }
        return value.substring(from, to);
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status";
        };
    }

    /**
     * A failing origin is logged, but any client can make a request fail, so at most one line a
     * second, with the path cut short and a count of the lines left out: never a way to fill the disk.
     */
    private static final class ErrorLog {
        private static final int MAX_PATH = 200;
        private long lastSecond = -1;
        private long suppressed;

        synchronized void log(String path, Exception cause) {
            long second = System.nanoTime() / 1_000_000_000L;
            if (second == lastSecond) {
                suppressed++;
                return;
            }
            String shown = path.length() > MAX_PATH ? path.substring(0, MAX_PATH) + "...(" + path.length() + " characters)" : path;
            String cut = suppressed == 0 ? "" : " (" + suppressed + " more failures not logged)";
            System.err.println("nixfront local: read server: " + shown + ": " + cause + cut);
            lastSecond = second;
            suppressed = 0;
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Closing: nothing left to tell the peer.
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // The listening socket is gone either way.
        }
        reaper.shutdownNow();
        open.keySet().forEach(GetServer::closeQuietly);
        threads.shutdownNow();
        try {
            acceptor.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
