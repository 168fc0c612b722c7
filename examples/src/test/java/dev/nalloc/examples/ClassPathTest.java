package dev.nalloc.examples;

import dev.nalloc.examples.cache.CacheExample;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** The same examples on the class path (META-INF/services registers the OS layer there). */
class ClassPathTest {

    @Test
    void theExamplesRunOnTheClassPath() throws Exception {
        assertFalse(CacheExample.class.getModule().isNamed(), "surefire runs this execution on the class path");
        Examples.runAll();
    }
}
