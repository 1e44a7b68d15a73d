package dev.hindsight.http;

import dev.hindsight.error.HindsightException;
import dev.hindsight.error.ErrorCode;
import io.javalin.http.Context;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.BadMessageException;

/** Reads request bodies with a size limit, refusing larger ones with 413 before reading them whole. */
public final class Bodies {
    public static final int MIB = 1024 * 1024;

    private Bodies() {
    }

    public static byte[] read(Context ctx, int maxBytes) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                if (out.size() > maxBytes) {
                    throw tooLarge(maxBytes);
                }
            }
            return out.toByteArray();
        } catch (IOException | BadMessageException e) {
            throw unreadable(e);
        }
    }

    /** The servlet context attribute holding the minimum body data rate in bytes per second (set by {@link HttpEdge}). */
    static final String MIN_RATE = "hindsight.minRequestRate";
    /** A body may take this long before its rate counts: a client's first packets may be small and far apart. */
    private static final long RATE_GRACE_NANOS = 1_000_000_000L;

    /**
     * Reads the body as it arrives, holding no thread while waiting for bytes, so that slow senders cost a
     * connection but never a request thread; use it in {@code ctx.future(...)}. The future fails with 413 past
     * {@code maxBytes}, and with 408 when the body, still incomplete, arrives slower than the minimum data rate
     * (counted from the request's headers, after a grace second), or stalls for the idle timeout.
     */
    public static CompletableFuture<byte[]> readAsync(Context ctx, int maxBytes) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) {
            return CompletableFuture.failedFuture(tooLarge(maxBytes));
        }
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        ServletInputStream in;
        try {
            in = ctx.req().getInputStream();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(unreadable(e));
        }
        long minRate = ctx.req().getServletContext().getAttribute(MIN_RATE) instanceof Number n ? n.longValue() : 0;
        // Jetty's own minimum rate (HttpConfiguration) also fails a small body that the server reads late, as a
        // loaded server does: this one judges only bodies still arriving, from when their headers came.
        long began = System.nanoTime() - Math.max(0, System.currentTimeMillis()
                - org.eclipse.jetty.server.Request.getBaseRequest(ctx.req()).getTimeStamp()) * 1_000_000L;
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
        in.setReadListener(new ReadListener() {
            private final byte[] buf = new byte[16384];

            @Override
            public void onDataAvailable() {
                try {
                    // Each failure returns before asking isReady() again: that would leave a read pending, which
                    // Jetty logs as a warning when the answer completes.
                    while (!done.isDone() && in.isReady()) {
                        int n = in.read(buf);
                        if (n < 0) {
                            return;
                        }
                        out.write(buf, 0, n);
                        if (out.size() > maxBytes) {
                            done.completeExceptionally(tooLarge(maxBytes));
                            return;
                        }
                        long late = System.nanoTime() - began - RATE_GRACE_NANOS;
                        if (!in.isFinished() && minRate > 0 && late > 0
                                && out.size() < minRate * late / 1_000_000_000L) {
                            done.completeExceptionally(new HindsightException(ErrorCode.REQUEST_TIMEOUT,
                                    "The request body arrived too slowly (" + out.size() + " bytes in "
                                            + (late + RATE_GRACE_NANOS) / 1_000_000L + " ms; the minimum is " + minRate
                                            + " bytes/s after the first second); send it at once"));
                            return;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(unreadable(e));
                }
            }

            @Override
            public void onAllDataRead() {
                done.complete(out.toByteArray());
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(unreadable(t));
            }
        });
        return done;
    }

    private static HindsightException unreadable(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof BadMessageException) && !(cause instanceof TimeoutException)) {
            cause = cause.getCause();
        }
        if (cause instanceof BadMessageException bad && bad.getCode() == 408) {
            return new HindsightException(ErrorCode.REQUEST_TIMEOUT, "The request body arrived too slowly ("
                    + bad.getReason() + "); send it at once");
        }
        if (cause instanceof TimeoutException) {
            return new HindsightException(ErrorCode.REQUEST_TIMEOUT,
                    "The request body stalled: no bytes arrived within the server's idle timeout");
        }
        if (cause instanceof BadMessageException bad) {
            return new HindsightException(ErrorCode.VALIDATION, "Could not read the request body: " + bad.getReason());
        }
        return new HindsightException(ErrorCode.VALIDATION, "Could not read the request body: " + e.getMessage());
    }

    private static HindsightException tooLarge(int maxBytes) {
        return new HindsightException(ErrorCode.PAYLOAD_TOO_LARGE, "The body exceeds this endpoint's limit of "
                + (maxBytes / MIB) + " MiB; split it into smaller requests");
    }
}
