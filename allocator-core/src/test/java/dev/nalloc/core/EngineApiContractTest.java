package dev.nalloc.core;

import com.google.common.testing.NullPointerTester;
import dev.nalloc.api.Allocator;
import dev.nalloc.api.ArenaId;
import dev.nalloc.api.DeferredFree;
import dev.nalloc.api.Heap;
import dev.nalloc.api.LeakDetection;
import dev.nalloc.api.Mode;
import dev.nalloc.api.Option;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The engine's instances keep the API's null contract (guava-testlib's NullPointerTester over every
 * public method of {@link Allocator} and {@link Heap}, so a method added later is held to it too):
 * a null reference argument that the javadoc does not allow throws {@link NullPointerException}
 * before anything else is checked or done, in every mode and through the tracking layer, and such a
 * call changes nothing (no block allocated, none freed).
 */
class EngineApiContractTest {

    static Stream<Arguments> instances() {
        return Stream.of(Mode.values()).flatMap(m -> Stream.of(
                Arguments.of(m, LeakDetection.OFF), Arguments.of(m, LeakDetection.ALL)));
    }

    @ParameterizedTest(name = "{0}, leak detection {1}")
    @MethodSource("instances")
    void nullArgumentsAreRejectedFirst(Mode mode, LeakDetection leaks) throws Exception {
        try (Allocator a = TestAllocators.builder().mode(mode)
                .option(Option.LEAK_DETECTION, leaks.ordinal())
                .option(Option.VISIT_ABANDONED, 1)
                .build();
             Heap heap = a.newHeap()) {
            long block = a.malloc(64);
            NullPointerTester t = new NullPointerTester()
                    .setDefault(Arena.class, Arena.global())
                    // null is documented: "null for any memory", "null to have none"
                    // (the tester matches methods as the instance's class declares them)
                    .ignore(a.getClass().getMethod("newHeap", int.class, boolean.class, ArenaId.class))
                    .ignore(a.getClass().getMethod("registerDeferredFree", DeferredFree.class));
            long live = a.stats().allocationCount();
            t.testAllPublicInstanceMethods(a);
            t.testAllPublicInstanceMethods(heap);
            assertEquals(live, a.stats().allocationCount(), "a rejected call allocates and frees nothing");
            a.free(block);
        }
    }
}
