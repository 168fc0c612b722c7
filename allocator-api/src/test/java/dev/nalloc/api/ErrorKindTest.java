package dev.nalloc.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorKindTest {

    @Test
    void prefixesAreStable() {
        Map<ErrorKind, String> expected = Map.of(
                ErrorKind.INVALID_FREE, "nalloc: invalid free",
                ErrorKind.UNALIGNED_FREE, "nalloc: unaligned free",
                ErrorKind.DOUBLE_FREE, "nalloc: double free",
                ErrorKind.BUFFER_OVERFLOW, "nalloc: buffer overflow",
                ErrorKind.FREE_LIST_CORRUPTION, "nalloc: free list corrupted",
                ErrorKind.OS_FAILURE, "nalloc: OS failure",
                ErrorKind.OUT_OF_MEMORY, "nalloc: out of memory",
                ErrorKind.ASSERTION, "nalloc: assertion failed",
                ErrorKind.LEAK, "nalloc: leak");
        assertEquals(expected.size(), ErrorKind.values().length, "a kind without a pinned prefix");
        expected.forEach((kind, prefix) -> assertEquals(prefix, kind.prefix(), kind.name()));
        assertEquals(ErrorKind.values().length, Arrays.stream(ErrorKind.values()).map(ErrorKind::prefix).distinct().count());
    }

    @ParameterizedTest
    @EnumSource(ErrorKind.class)
    void messagesStartWithThePrefix(ErrorKind kind) {
        assertEquals(kind.prefix() + ": at 0x10", kind.message("at 0x10"));
        assertEquals(kind.prefix(), kind.message(""));
        assertEquals(kind.prefix(), kind.message(null));
        assertTrue(kind.prefix().startsWith("nalloc: "));
    }

    @Test
    void onlyOsFailureOutOfMemoryAndLeaksAreNotMisuse() {
        for (ErrorKind kind : ErrorKind.values()) {
            boolean notMisuse = kind == ErrorKind.OS_FAILURE || kind == ErrorKind.OUT_OF_MEMORY || kind == ErrorKind.LEAK;
            assertEquals(!notMisuse, kind.isMisuse(), kind.name());
        }
    }

    @Test
    void misuseExceptionCarriesKindAddressAndMessage() {
        AllocatorMisuseException e = new AllocatorMisuseException(ErrorKind.DOUBLE_FREE, 0x1000,
                ErrorKind.DOUBLE_FREE.message("block 0x1000"));
        assertInstanceOf(IllegalArgumentException.class, e);
        assertEquals(ErrorKind.DOUBLE_FREE, e.kind());
        assertEquals(0x1000, e.address());
        assertEquals("nalloc: double free: block 0x1000", e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }
}
