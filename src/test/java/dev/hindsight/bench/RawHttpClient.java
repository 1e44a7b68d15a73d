package dev.hindsight.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal keep-alive HTTP/1.1 client for the benchmark's load: it writes a POST and reads the status and a
 * Content-Length body. The JDK's HttpClient costs several times more CPU per request, and on a 2-core machine
 * the load generator's CPU is taken from the server it measures.
 */
final class RawHttpClient implements AutoCloseable {
    private final String host;
    private final int port;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private final byte[] buf = new byte[8192];

    RawHttpClient(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** POSTs {@code body} and returns the status code. */
    int post(String path, byte[] body, String contentType, String userAgent) throws IOException {
        return post(path, body, contentType, userAgent, null);
    }

    /** POSTs {@code body} with {@code Authorization: Bearer <bearer>} (none when null) and returns the status code. */
    int post(String path, byte[] body, String contentType, String userAgent, String bearer) throws IOException {
        if (socket == null) {
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 16384);
        }
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nContent-Type: " + contentType
                + "\r\nUser-Agent: " + userAgent + (bearer == null ? "" : "\r\nAuthorization: Bearer " + bearer)
                + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        String status = line();
        int code = Integer.parseInt(status.substring(9, 12));
        int length = 0;
        boolean chunked = false;
        for (String h = line(); !h.isEmpty(); h = line()) {
            String lower = h.toLowerCase();
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
                skip(size);
                line();
            }
            line();
        } else {
            skip(length);
        }
        return code;
    }

    private void skip(int n) throws IOException {
        while (n > 0) {
            int r = in.read(buf, 0, Math.min(n, buf.length));
            if (r < 0) {
                throw new IOException("connection closed mid-body");
            }
            n -= r;
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed");
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
    }
}
