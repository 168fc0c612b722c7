package dev.nalloc.core;

import dev.nalloc.api.ErrorKind;
import dev.nalloc.core.error.Reporter;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.segment.Segment;
import dev.nalloc.core.segment.SegmentMap;

/**
 * From an address to its page and block through the segment map, for every mode: FAST's
 * validation of a freed or queried address (the engine's view: an address outside live pages or
 * inside a block is misuse, reported), and the page of a block a thread holds.
 */
final class BlockLookup {

    private final Engine engine;

    BlockLookup(Engine engine) {
        this.engine = engine;
    }

    /** Whether {@code address} lies in a segment of this instance. */
    boolean inHeapRegion(long address) {
        Segment seg = SegmentMap.lookup(address);
        return seg != null && seg.allocator == engine;
    }

    /**
     * The page of a block this thread just got or holds live. Only a close racing with the call
     * takes it out of the segment map: then the call fails with {@link IllegalStateException}.
     */
    Page pageOf(long address) {
        Segment seg = SegmentMap.lookup(address);
        if (seg == null) {
            engine.checkOpen();
            throw new IllegalStateException("nalloc: no segment holds " + Reporter.hex(address));
        }
        return Page.of(seg, address);
    }

    /** Reports an invalid free of {@code address} (the allocator closed: {@link IllegalStateException}). */
    void invalid(long address, String why) {
        engine.checkOpen();
        engine.reporter.report(ErrorKind.INVALID_FREE, address, Reporter.hex(address) + " " + why);
    }

    /** The page of blocks of this instance that {@code address} lies in, or null after reporting the misuse. */
    Page pageOfBlock(long address) {
        Segment seg = SegmentMap.lookup(address);
        if (seg == null || seg.allocator != engine) {
            invalid(address, "is not a block of this allocator");
            return null;
        }
        Page page = Page.of(seg, address);
        if (page == null || !page.inUse()) {
            invalid(address, "lies in free memory of this allocator");
            return null;
        }
        return page;
    }

    /**
     * The start of the block of {@code page} at {@code address} (interior addresses only inside
     * aligned blocks), or 0 after reporting the misuse.
     */
    long blockAt(Page page, long address) {
        long index = page.blockIndexOf(address);
        long block = page.areaStart() + index * page.blockSize();
        return block == address && index < page.reserved() ? block : interiorBlock(page, address, index, block);
    }

    /** The block of an interior address (aligned blocks), or 0 after reporting the misuse. */
    long interiorBlock(Page page, long address, long index, long block) {
        if (index >= page.reserved() || address < page.areaStart()) {
            invalid(address, "lies outside the blocks of its page");
            return 0;
        }
        if (!page.hasAligned()) {
            engine.reporter.report(ErrorKind.UNALIGNED_FREE, address, Reporter.hex(address)
                    + " is inside the block at " + Reporter.hex(block) + ", not at its start");
            return 0;
        }
        return block;
    }

    /** The start of the live block at {@code address} (FAST's view), or 0 after reporting the misuse. */
    long liveBlock(long address) {
        Page page = pageOfBlock(address);
        return page == null ? 0 : blockAt(page, address);
    }
}
