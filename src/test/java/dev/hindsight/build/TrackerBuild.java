package dev.hindsight.build;

import com.google.javascript.jscomp.CompilationLevel;
import com.google.javascript.jscomp.Compiler;
import com.google.javascript.jscomp.CompilerOptions;
import com.google.javascript.jscomp.JSError;
import com.google.javascript.jscomp.Result;
import com.google.javascript.jscomp.SourceFile;
import com.google.javascript.jscomp.WarningLevel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/**
 * The tracker's build step, run by Maven (exec-maven-plugin, process-test-classes, on the toolchain's JDK):
 * concatenates the sources under {@code src/main/tracker/} inside one IIFE, minifies them with Google Closure
 * Compiler, writes {@code target/classes/static/js/hindsight.js}, prints the raw and gzipped sizes, and fails
 * the build when the gzipped size passes the budget.
 */
public final class TrackerBuild {
    /** The gzipped size budget. */
    public static final int BUDGET_BYTES = 8 * 1024;
    /** Source files in concatenation order: helpers first, the API (which starts everything) last. */
    static final List<String> FILES = List.of("util.js", "privacy.js", "hierarchy.js", "transport.js", "session.js",
            "autocapture.js", "api.js");

    public static void main(String[] args) throws IOException {
        Path sources = Path.of(args.length > 0 ? args[0] : "src/main/tracker");
        Path out = Path.of(args.length > 1 ? args[1] : "target/classes/static/js/hindsight.js");
        if (!build(sources, out, BUDGET_BYTES)) {
            System.exit(1);
        }
    }

    /** Minifies, writes and reports; returns false (after saying why) when the gzipped size passes the budget. */
    static boolean build(Path sources, Path out, int budget) throws IOException {
        String minified = compile(sources);
        Files.createDirectories(out.getParent());
        Files.writeString(out, minified, StandardCharsets.UTF_8);
        int raw = minified.getBytes(StandardCharsets.UTF_8).length;
        int gz = gzipSize(minified);
        System.out.printf(Locale.ROOT, "[tracker] %s: %,d bytes minified, %,d bytes gzipped (budget %,d)%n", out, raw,
                gz, budget);
        if (gz > budget) {
            System.err.printf(Locale.ROOT, "[tracker] over budget by %,d bytes gzipped%n", gz - budget);
            return false;
        }
        return true;
    }

    static String compile(Path sources) throws IOException {
        // One IIFE around all files: nothing but window.hindsight (and window.heap with heapCompat) leaks into
        // the page, and Closure may rename every top-level name of the tracker.
        StringBuilder all = new StringBuilder("(function(){\n");
        for (String f : FILES) {
            all.append("// ").append(f).append('\n').append(Files.readString(sources.resolve(f))).append('\n');
        }
        all.append("})();\n");
        List<SourceFile> inputs = List.of(SourceFile.fromCode("hindsight.js", all.toString()));
        CompilerOptions options = new CompilerOptions();
        CompilationLevel.SIMPLE_OPTIMIZATIONS.setOptionsForCompilationLevel(options);
        WarningLevel.DEFAULT.setOptionsForWarningLevel(options);
        options.setLanguageIn(CompilerOptions.LanguageMode.ECMASCRIPT_2017);
        options.setLanguageOut(CompilerOptions.LanguageMode.ECMASCRIPT_2017);
        options.setEmitUseStrict(false);
        Compiler compiler = new Compiler(System.err);
        Result result = compiler.compile(List.of(), inputs, options);
        if (!result.success) {
            for (JSError e : result.errors) {
                System.err.println("[tracker] " + e);
            }
            throw new IllegalStateException("Closure Compiler failed on the tracker sources");
        }
        return compiler.toSource();
    }

    static int gzipSize(String s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes) {
            {
                def.setLevel(9);
            }
        }) {
            gz.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.size();
    }
}
