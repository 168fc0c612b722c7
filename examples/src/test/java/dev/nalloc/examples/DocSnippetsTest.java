package dev.nalloc.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The code in README.md and docs/os-layer.md works exactly as written. A Java block that declares a
 * class is one of this module's files (the same text, without the package line), compiled and run
 * by this build; the other Java blocks of a page are statements, compiled here with the page's own
 * imports (and the usual ones) and run in order; every dependency of an XML block is one of this module's pom.xml.
 */
class DocSnippetsTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern BLOCK = Pattern.compile("```(java|xml)\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern DEPENDENCY = Pattern.compile("<dependency>.*?</dependency>", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("^(public |final )*(class|record|interface) (\\w+)", Pattern.MULTILINE);

    private record Block(String language, String text) {
    }

    private static List<Block> blocks(String page) throws IOException {
        Matcher m = BLOCK.matcher(Files.readString(ROOT.resolve(page)));
        List<Block> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(new Block(m.group(1), m.group(2)));
        }
        return blocks;
    }

    private static String squeeze(String text) {
        return text.replaceAll("\\s+", " ").trim();
    }

    private static void checkPage(String page) throws Exception {
        List<Block> blocks = blocks(page);
        assertFalse(blocks.isEmpty(), page);
        String pom = squeeze(Files.readString(Path.of("pom.xml")));
        StringBuilder statements = new StringBuilder();
        List<String> imports = new ArrayList<>(List.of("import dev.nalloc.api.*;", "import dev.nalloc.spi.*;",
                "import dev.nalloc.stats.*;", "import java.lang.foreign.*;", "import dev.nalloc.examples.os.MyOsPrimitives;"));
        for (Block b : blocks) {
            if (b.language().equals("xml")) {
                Matcher dependency = DEPENDENCY.matcher(b.text());
                int found = 0;
                while (dependency.find()) {
                    String d = squeeze(dependency.group());
                    assertTrue(pom.contains(d), () -> page + ": this dependency is not in examples/pom.xml: " + d);
                    found++;
                }
                assertTrue(found > 0, () -> page + ": an XML block without a dependency:\n" + b.text());
                continue;
            }
            Matcher declared = CLASS.matcher(b.text());
            if (declared.find()) {
                Path file = findSource(declared.group(3));
                String source = Files.readString(file).replaceFirst("(?s)^package [^;]*;\\s*", "");
                assertEquals(source.strip(), b.text().strip(), page + ": the block differs from " + file);
                continue;
            }
            for (String line : b.text().split("\n")) {
                if (line.startsWith("import ")) {
                    imports.add(line);
                } else {
                    statements.append(line).append('\n');
                }
            }
        }
        if (!statements.isEmpty()) {
            compileAndRun(page, String.join("\n", imports), statements.toString());
        }
    }

    private static Path findSource(String type) throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src"))) {
            return files.filter(f -> f.getFileName().toString().equals(type + ".java")).findFirst()
                    .orElseThrow(() -> new AssertionError("no examples/src file declares " + type));
        }
    }

    private static void compileAndRun(String page, String imports, String statements) throws Exception {
        Path dir = Files.createTempDirectory("nalloc-snippets");
        Path source = dir.resolve("Snippets.java");
        Files.writeString(source, imports + "\n\npublic class Snippets {\n    public static void run() throws Exception {\n"
                + statements + "    }\n}\n");
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow();
        StringWriter errors = new StringWriter();
        PrintWriter sink = new PrintWriter(errors);
        int status = javac.run(sink, sink, "-proc:none", "-d", dir.toString(),
                "-cp", System.getProperty("java.class.path"), source.toString());
        assertEquals(0, status, () -> page + ": the snippets do not compile:\n" + errors + "\n" + source);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, DocSnippetsTest.class.getClassLoader())) {
            loader.loadClass("Snippets").getMethod("run").invoke(null);
        }
    }

    @Test
    void readme() throws Exception {
        checkPage("README.md");
    }

    @Test
    void osLayerPage() throws Exception {
        checkPage("docs/os-layer.md");
    }
}
