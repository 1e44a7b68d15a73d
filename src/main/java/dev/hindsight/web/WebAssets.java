package dev.hindsight.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web app's files: our own ES modules (classpath {@code web/}), served under a prefix that is a hash of their
 * contents, and the libraries from mvnpm jars (classpath {@code META-INF/resources/_static/}), whose paths carry
 * their versions. Either kind of URL names one content forever, so browsers may keep it a year; the page that
 * names them (the app shell) is never cached.
 */
public final class WebAssets {
    /** The app's own modules, in the order they are hashed (every file the shell may load). */
    /** Every file of the app: the {@code .js} and {@code .css} files directly in the classpath's {@code web/}. */
    static final List<String> APP_FILES = appFiles(WebAssets.class.getClassLoader());

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String hash;
    private final Map<String, String> importMap;
    private final List<String> preloads;
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    public WebAssets() {
        this.hash = hashOf(APP_FILES);
        this.importMap = importMaps(WebAssets.class.getClassLoader());
        this.preloads = staticImports(appPrefix() + "main.js");
    }

    /**
     * Every module {@code main.js} imports statically, directly or not (our files and the libraries'), as the
     * paths the browser fetches: the page preloads them all at once instead of discovering them one level of
     * imports at a time (four round trips before the first screen). Dynamic {@code import()}s, such as ECharts, are
     * not followed: they load when needed.
     */
    public List<String> preloads() {
        return preloads;
    }

    private static final java.util.regex.Pattern IMPORT = java.util.regex.Pattern.compile(
            "\\b(?:import|export)\\s*(?:[^'\"();]*?\\bfrom\\s*)?[\"']([^\"'\\s]+)[\"']");

    private List<String> staticImports(String root) {
        java.util.LinkedHashSet<String> seen = new java.util.LinkedHashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            String path = todo.poll();
            Optional<byte[]> body = file(path);
            if (body.isEmpty() || !seen.add(path)) {
                continue;
            }
            java.util.regex.Matcher m = IMPORT.matcher(new String(body.get(), StandardCharsets.UTF_8));
            while (m.find()) {
                resolve(m.group(1), path).ifPresent(todo::add);
            }
        }
        seen.remove(root);
        return List.copyOf(seen);
    }

    /** The path a module specifier names, imported from the module at {@code from}: relative, or by the map. */
    private Optional<String> resolve(String specifier, String from) {
        if (specifier.startsWith("./") || specifier.startsWith("../")) {
            return Optional.of(java.net.URI.create(from).resolve(specifier).toString());
        }
        if (specifier.startsWith("/")) {
            return Optional.of(specifier);
        }
        String exact = importMap.get(specifier);
        if (exact != null) {
            return Optional.of(exact);
        }
        String best = null;
        for (String key : importMap.keySet()) {
            if (key.endsWith("/") && specifier.startsWith(key) && (best == null || key.length() > best.length())) {
                best = key;
            }
        }
        return best == null ? Optional.empty() : Optional.of(importMap.get(best) + specifier.substring(best.length()));
    }

    /** A served path's bytes: one of our files under the current hash, or a library file. */
    private Optional<byte[]> file(String path) {
        if (path.startsWith(appPrefix())) {
            return appFile(path.substring(appPrefix().length()));
        }
        return path.startsWith("/_static/") ? libraryFile(path.substring("/_static/".length())) : Optional.empty();
    }

    /** The prefix of the app's own files, such as {@code /app/3f2a9c01d4e5/}. */
    public String appPrefix() {
        return "/app/" + hash + "/";
    }

    /** The content hash the app's own files are served under. */
    String hash() {
        return hash;
    }

    /**
     * The import map of every mvnpm jar on the classpath merged (each jar ships its own
     * {@code META-INF/importmap.json}), so that {@code import {LitElement} from 'lit'} resolves without a build.
     */
    public Map<String, String> importMap() {
        return importMap;
    }

    /** An app file's bytes, if it is one of ours. */
    Optional<byte[]> appFile(String name) {
        if (!APP_FILES.contains(name)) {
            return Optional.empty();
        }
        return Optional.of(cache.computeIfAbsent("web/" + name, WebAssets::read));
    }

    /** A library file's bytes from the mvnpm jars, if there is one at that path (no {@code ..} anywhere). */
    Optional<byte[]> libraryFile(String path) {
        if (path.isEmpty() || path.contains("..") || path.contains("\\") || path.startsWith("/")) {
            return Optional.empty();
        }
        String resource = "META-INF/resources/_static/" + path;
        URL url = WebAssets.class.getClassLoader().getResource(resource);
        if (url == null || resource.endsWith("/")) {
            return Optional.empty();
        }
        return Optional.of(cache.computeIfAbsent(resource, WebAssets::read));
    }

    /** The Content-Type of a file by its name. */
    static String contentType(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".js") || n.endsWith(".mjs")) {
            return "text/javascript; charset=utf-8";
        }
        if (n.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (n.endsWith(".json") || n.endsWith(".map")) {
            return "application/json";
        }
        if (n.endsWith(".svg")) {
            return "image/svg+xml";
        }
        return "application/octet-stream";
    }

    private static String hashOf(List<String> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String f : files) {
                sha.update(f.getBytes(StandardCharsets.UTF_8));
                sha.update(read("web/" + f));
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The names of the files in the classpath's {@code web/} folder, read from the folder (tests, a run from
     * {@code target/classes}) or from the jar's entries (the server's jar), so a new screen needs no list kept.
     */
    static List<String> appFiles(ClassLoader loader) {
        URL main = loader.getResource("web/main.js");
        if (main == null) {
            throw new IllegalStateException("The web app (web/main.js) is missing from the classpath");
        }
        java.util.function.Predicate<String> ours = n -> n.matches("[a-z0-9-]+\\.(js|css)");
        List<String> names = new ArrayList<>();
        try {
            if (main.getProtocol().equals("jar")) {
                java.net.JarURLConnection c = (java.net.JarURLConnection) main.openConnection();
                // Its own copy, not the class loader's cached one, which closing would break.
                c.setUseCaches(false);
                try (java.util.jar.JarFile jar = c.getJarFile()) {
                    jar.stream().map(java.util.jar.JarEntry::getName)
                            .filter(n -> n.startsWith("web/") && n.indexOf('/', 4) < 0)
                            .map(n -> n.substring(4)).filter(ours).forEach(names::add);
                }
            } else {
                try (java.util.stream.Stream<java.nio.file.Path> files =
                        java.nio.file.Files.list(java.nio.file.Path.of(main.toURI()).getParent())) {
                    files.map(f -> f.getFileName().toString()).filter(ours).forEach(names::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        names.sort(null);
        return List.copyOf(names);
    }

    private static byte[] read(String resource) {
        try (InputStream in = WebAssets.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("The web app's file " + resource + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every library's import map that {@code loader} holds, merged (the first of a specifier wins). */
    static Map<String, String> importMaps(ClassLoader loader) {
        Map<String, String> merged = new TreeMap<>();
        try {
            Enumeration<URL> maps = loader.getResources("META-INF/importmap.json");
            List<URL> all = new ArrayList<>();
            maps.asIterator().forEachRemaining(all::add);
            for (URL u : all) {
                // In the server's jar the libraries' maps are one file, appended one after another at packaging
                // (pom.xml, AppendingTransformer): read every JSON object in it.
                try (InputStream in = u.openStream();
                        com.fasterxml.jackson.databind.MappingIterator<JsonNode> each =
                                JSON.readerFor(JsonNode.class).readValues(in)) {
                    while (each.hasNextValue()) {
                        each.nextValue().path("imports").fields()
                                .forEachRemaining(e -> merged.putIfAbsent(e.getKey(), e.getValue().asText()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return merged;
    }
}
