package dev.hindsight.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the web app finds its files and its libraries' import maps, in a folder and in one server jar. */
class WebAssetsTest {
    @TempDir
    Path dir;

    private Path jar(String... entries) throws IOException {
        Path jar = dir.resolve("server.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (int i = 0; i < entries.length; i += 2) {
                out.putNextEntry(new JarEntry(entries[i]));
                out.write(entries[i + 1].getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }

    @Test
    void inOneJarTheLibrariesImportMapsAppendedIntoOneFileAreAllRead() throws IOException {
        // What the shade plugin's AppendingTransformer makes of two mvnpm jars' META-INF/importmap.json.
        String appended = "{\"imports\":{\"lit\":\"/_static/lit/3.3.1/index.js\"}}\n"
                + "{\n  \"imports\" : {\n    \"echarts\" : \"/_static/echarts/6.0.0/index.js\"\n  }\n}";
        Path jar = jar("META-INF/importmap.json", appended);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            assertThat(WebAssets.importMaps(loader)).containsEntry("lit", "/_static/lit/3.3.1/index.js")
                    .containsEntry("echarts", "/_static/echarts/6.0.0/index.js");
        }
    }

    @Test
    void theAppsFilesAreFoundInTheJarWithoutAListKeptByHand() throws IOException {
        Path jar = jar("web/main.js", "x", "web/graph.js", "x", "web/app.css", "x", "web/notes.txt", "x",
                "web/deeper/other.js", "x", "webby/main.js", "x");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            assertThat(WebAssets.appFiles(loader)).containsExactly("app.css", "graph.js", "main.js");
        }
    }

    @Test
    void inAFolderTheAppsFilesAreItsJsAndCssFiles() throws IOException {
        Files.createDirectories(dir.resolve("web"));
        for (String f : new String[] {"main.js", "users.js", "app.css", "README.md"}) {
            Files.writeString(dir.resolve("web").resolve(f), "x");
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
            assertThat(WebAssets.appFiles(loader)).containsExactly("app.css", "main.js", "users.js");
        }
    }
}
