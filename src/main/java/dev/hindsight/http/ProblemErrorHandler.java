package dev.hindsight.http;

import dev.hindsight.error.ErrorCode;
import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's error handler for the errors Jetty answers itself, before or around Javalin (a request line or URI it
 * cannot parse, a path that climbs above the root, headers that are too large, a body that arrives too slowly):
 * the same problem+json as every other error, instead of Jetty's HTML page.
 */
public final class ProblemErrorHandler extends ErrorHandler {

    /** Errors found while parsing a request (Jetty calls this without a servlet request). */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        if (HttpStatus.hasNoBody(status)) {
            return super.badMessageError(status, reason, fields);
        }
        fields.put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
        return ByteBuffer.wrap(body(status, reason));
    }

    /** Errors sent with {@code sendError} after parsing, whatever the client accepts. */
    @Override
    protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request,
            HttpServletResponse response, int code, String message) throws IOException {
        if (HttpStatus.hasNoBody(code)) {
            return;
        }
        byte[] body = body(code, message);
        response.setContentType(Problems.CONTENT_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        baseRequest.setHandled(true);
    }

    private static byte[] body(int status, String reason) {
        Map<String, Object> problem = new LinkedHashMap<>();
        ErrorCode code = Problems.codeFor(status);
        String title = HttpStatus.getMessage(status);
        problem.put("type", code == null ? "about:blank" : Problems.type(code));
        problem.put("title", code == null ? title : code.title());
        problem.put("status", status);
        problem.put("detail", reason == null || reason.isBlank() ? title : reason);
        try {
            return Json.MAPPER.writeValueAsBytes(problem);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
