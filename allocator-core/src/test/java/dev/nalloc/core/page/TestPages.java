package dev.nalloc.core.page;

import dev.nalloc.core.memory.Layout;
import dev.nalloc.core.memory.Mem;
import dev.nalloc.core.memory.SizeClasses;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Small pages of blocks over plain native memory from a confined arena, for the page layer's unit
 * tests (no heap, no OS layer). Register it with {@code @RegisterExtension}: the memory is freed
 * after each test.
 */
final class TestPages implements AfterEachCallback {

    private Arena arena = Arena.ofConfined();

    /** {@code page} (a fresh {@code Page} or {@code EncodedPage}) initialized as a small page of {@code blockSize} blocks over zeroed memory. */
    <P extends Page> P small(P page, long blockSize) {
        MemorySegment m = arena.allocate(Layout.SMALL_PAGE_SIZE, Layout.SLICE_SIZE);
        page.init(null, PageKind.of(blockSize), m.address(), Layout.SMALL_PAGE_SIZE, blockSize,
                SizeClasses.bin(blockSize), true);
        return page;
    }

    /** The owner's pop of the head of {@code free}, as the allocation path does it (links decoded on an encoded page). */
    static long pop(Page p) {
        long b = p.free;
        p.free = p.popNext(b);
        p.used++;
        return b;
    }

    /** A local free by the owner: the link stored as the page stores links (encoded on an encoded page). */
    static void freeLocal(Page p, long block) {
        Mem.store(block, p instanceof EncodedPage e ? e.encodeLink(block, p.localFree) : p.localFree);
        p.localFree = block;
        p.used--;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        arena.close();
        arena = Arena.ofConfined();
    }
}
