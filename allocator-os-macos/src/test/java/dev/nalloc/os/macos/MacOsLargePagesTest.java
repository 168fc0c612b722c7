package dev.nalloc.os.macos;

import dev.nalloc.spi.OsPrimitives.Allocation;
import dev.nalloc.spi.Platform;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** Superpages on Intel Macs: when they are tried, the fallback, and the back-off after a failure. */
class MacOsLargePagesTest {

    private static final long MB2 = 2L << 20;
    private static final int TAG = 100 << 24;
    private static final int FLAGS = Darwin.MAP_PRIVATE | Darwin.MAP_ANON;
    private static final int RW = Darwin.PROT_READ | Darwin.PROT_WRITE;

    private DarwinCalls calls;
    private MacOsPrimitives os;

    @BeforeEach
    void setUp() {
        calls = mock(DarwinCalls.class);
        MacOsPrimitivesCallsTest.answerSysctl(calls, 4096, 16L << 30);
        os = new MacOsPrimitives(new Platform("Mac OS X", "x86_64"), calls);
    }

    @Test
    void superpagesAreTriedForLargeAlignedCommittedRequests() {
        when(calls.mmap(anyLong(), anyLong(), anyInt(), anyInt(), anyInt(), anyLong())).thenReturn(0x4000_0000L);
        Allocation a = os.alloc(0, 4 * MB2, MB2, true, true);
        assertEquals(new Allocation(0x4000_0000L, 4 * MB2, true, true, 0), a);
        verify(calls).mmap(0, 4 * MB2, RW, FLAGS, TAG | Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB, 0);
    }

    @Test
    void superpagesAreNotTriedWithoutCommitAlignmentOrPermission() {
        when(calls.mmap(anyLong(), anyLong(), anyInt(), anyInt(), anyInt(), anyLong())).thenReturn(0x4000_0000L);
        os.alloc(0, 4 * MB2, MB2, false, true);
        os.alloc(0, 4 * MB2, 4096, true, true);
        os.alloc(0, 4 * MB2 + 4096, MB2, true, true);
        os.alloc(0, 4 * MB2, MB2, true, false);
        verify(calls, never()).mmap(anyLong(), anyLong(), anyInt(), anyInt(),
                eq(TAG | Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB), anyLong());
    }

    @Test
    void aFailedSuperpageFallsBackAndHoldsOffTheNextEight() {
        when(calls.mmap(anyLong(), anyLong(), anyInt(), anyInt(), eq(TAG | Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB),
                anyLong())).thenReturn(-1L);
        when(calls.mmap(anyLong(), anyLong(), anyInt(), anyInt(), eq(TAG), anyLong())).thenReturn(0x4000_0000L);
        Allocation first = os.alloc(0, MB2, MB2, true, true);
        assertEquals(new Allocation(0x4000_0000L, MB2, false, true, 0), first);
        for (int i = 0; i < 8; i++) {
            assertEquals(false, os.alloc(0, MB2, MB2, true, true).large());
        }
        verify(calls, times(1)).mmap(anyLong(), anyLong(), anyInt(), anyInt(),
                eq(TAG | Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB), anyLong());
        os.alloc(0, MB2, MB2, true, true); // the ninth tries again
        verify(calls, times(2)).mmap(anyLong(), anyLong(), anyInt(), anyInt(),
                eq(TAG | Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB), anyLong());
    }

    @Test
    void hugeOsPagesAreSuperpagesOnIntel() {
        when(calls.mmap(anyLong(), anyLong(), anyInt(), anyInt(), anyInt(), anyLong())).thenReturn(0x4000_0000L);
        Allocation a = os.allocHugeOsPages(0, 1L << 30, 0);
        assertEquals(new Allocation(0x4000_0000L, 1L << 30, true, true, 0), a);
        verify(calls).mmap(0, 1L << 30, RW, FLAGS, TAG | Darwin.VM_FLAGS_SUPERPAGE_SIZE_2MB, 0);
    }

    @Test
    void hugeOsPagesOfOtherSizesAreRefused() {
        assertEquals(Allocation.failed(Darwin.EINVAL), os.allocHugeOsPages(0, MB2, -1));
        assertEquals(Allocation.failed(Darwin.EINVAL), os.allocHugeOsPages(4096, 1L << 30, -1));
        verify(calls, never()).mmap(anyLong(), anyLong(), anyInt(), anyInt(), anyInt(), anyLong());
    }
}
