package dev.nalloc.examples;

import dev.nalloc.examples.cache.CacheExample;
import dev.nalloc.examples.os.MyOsExample;
import dev.nalloc.examples.server.VirtualThreadServer;
import dev.nalloc.examples.stats.StatsExample;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs each example's main in this JVM and checks that it finished and said so. */
final class Examples {

    private Examples() {
    }

    interface Main {
        void run(String[] args) throws Exception;
    }

    static String run(Main main, String done) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            main.run(new String[0]);
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        assertTrue(out.contains(done), () -> "the example did not finish:\n" + out);
        return out;
    }

    static void runAll() throws Exception {
        run(CacheExample::main, "cache example done");
        run(MyOsExample::main, "os example done");
        run(StatsExample::main, "stats example done");
        run(VirtualThreadServer::main, "server example done");
    }
}
