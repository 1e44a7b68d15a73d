package dev.hindsight.http;

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

    /**
     * Reads the body as it arrives, holding no thread while waiting for bytes, so that slow senders cost a
     * connection but never a request thread; use it in {@code ctx.future(...)}. The future fails with 413 past
     * {@code maxBytes}, and with 408 when the body arrives slower than the server's minimum data rate or stalls for
     * its idle timeout.
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
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
        in.setReadListener(new ReadListener() {
            private final byte[] buf = new byte[16384];

            @Override
            public void onDataAvailable() {
                try {
                    while (!done.isDone() && in.isReady()) {
                        int n = in.read(buf);
                        if (n < 0) {
                            return;
                        }
                        out.write(buf, 0, n);
                        if (out.size() > maxBytes) {
                            done.completeExceptionally(tooLarge(maxBytes));
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
