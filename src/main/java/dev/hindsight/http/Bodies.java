package dev.hindsight.http;

import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

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
        } catch (IOException e) {
            throw new HindsightException(ErrorCode.VALIDATION, "Could not read the request body: " + e.getMessage());
        }
    }

    private static HindsightException tooLarge(int maxBytes) {
        return new HindsightException(ErrorCode.PAYLOAD_TOO_LARGE, "The body exceeds this endpoint's limit of "
                + (maxBytes / MIB) + " MiB; split it into smaller requests");
    }
}
