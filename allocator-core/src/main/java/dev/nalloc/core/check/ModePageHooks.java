package dev.nalloc.core.check;

import dev.nalloc.core.os.OsMemory;
import dev.nalloc.core.page.EncodedPage;
import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageHooks;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.memory.Layout;
import dev.nalloc.spi.FreeListEncoding;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Prepares every new page of a CHECKED or SECURE instance: encoded links with fresh random keys
 * (both modes), and for SECURE a random carving order and a guard page at the end of the page's
 * area (mimalloc's secure build), so that a linear overflow running off the last block faults.
 */
public final class ModePageHooks implements PageHooks {

    private final FreeListEncoding codec;
    private final long secret;
    private final AtomicLong pages = new AtomicLong();
    private final boolean shuffle;
    /** The OS layer for guard pages, or null for none. */
    private final OsMemory guards;

    /**
     * @param codec   the link encoding
     * @param secret  the instance's random secret
     * @param shuffle carve new blocks in a random order
     * @param guards  the OS layer to protect a guard page per page with, or null
     */
    public ModePageHooks(FreeListEncoding codec, long secret, boolean shuffle, OsMemory guards) {
        this.codec = codec;
        this.secret = secret;
        this.shuffle = shuffle;
        this.guards = guards;
    }

    @Override
    public void pageCreated(Page page, long keptGuard) {
        long n = pages.incrementAndGet();
        long key0 = Keys.mix(secret ^ page.areaStart() ^ (n * 0x9E3779B97F4A7C15L));
        long key1 = Keys.mix(key0 + secret);
        ((EncodedPage) page).encodeLinks(codec, codec == KeyedEncoding.INSTANCE, key0, key1, shuffle ? Keys.mix(key1) | 1 : 0);
        if (guards != null && page.kind() != PageKind.HUGE) {
            addGuard(page, keptGuard);
        }
    }

    @Override
    public boolean takesKeptGuard(long blockSize, int slices) {
        return guards != null && ((long) slices << Layout.SLICE_SHIFT) - guards.pageSize() >= blockSize;
    }

    /**
     * Protects the last OS page of the page's span when a block still fits before it; a guard the
     * span kept at that place ({@code kept}) is taken over without a system call. A span with a
     * kept guard only goes to a page with room for a guard ({@link #takesKeptGuard}), and its guard
     * is then exactly where the page wants one. A protect that failed leaves the page without a
     * guard; one whose layer threw counts as done (the page may be protected there).
     */
    private void addGuard(Page page, long kept) {
        long pageSize = guards.pageSize();
        long span = (long) page.sliceCount() << Layout.SLICE_SHIFT;
        long blocks = (span - pageSize) / page.blockSize();
        long guard = page.areaStart() + span - pageSize;
        if (kept != 0 && (kept != guard || blocks < 1)) {
            throw new IllegalStateException("nalloc: internal error: a span kept its guard page at "
                    + Long.toHexString(kept) + ", not at the end of the page at " + Long.toHexString(page.areaStart()));
        }
        if (blocks < 1) {
            return; // a large block that fills its span: no room for a guard
        }
        if (kept == guard || guards.protect(guard, pageSize)) {
            page.mode().setGuard(guard, guards);
            if (blocks < page.reserved()) {
                page.limitBlocks((int) blocks);
            }
        }
    }
}
