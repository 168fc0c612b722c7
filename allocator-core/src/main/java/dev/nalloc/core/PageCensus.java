package dev.nalloc.core;

import dev.nalloc.core.page.Page;
import dev.nalloc.core.page.PageKind;
import dev.nalloc.core.memory.SizeClasses;

import java.util.function.Consumer;

/**
 * Sums over the pages of an instance at snapshot time, per size class: pages and {@code used}
 * blocks. Any thread: racy reads of Java
 * fields only, exact while the owner threads are quiescent.
 */
final class PageCensus implements Consumer<Page> {

    final long[] pages = new long[SizeClasses.BIN_COUNT];
    final long[] used = new long[SizeClasses.BIN_COUNT];
    /** Blocks that rewinds of live pages gave back (allocated and freed, not yet in the threads' settled counts). */
    final long[] rewound = new long[SizeClasses.BIN_COUNT];
    /** Live huge blocks and their bytes. */
    long hugeBlocks;
    long hugeBytes;

    @Override
    public void accept(Page p) {
        int bin = p.bin();
        long u = p.used();
        if (p.kind() == PageKind.HUGE || bin < 0 || bin >= SizeClasses.BIN_HUGE) {
            if (!p.getAcquireHugeReleased()) {
                pages[SizeClasses.BIN_HUGE]++;
                used[SizeClasses.BIN_HUGE] += u;
                hugeBlocks += u;
                hugeBytes += u * p.blockSize();
            }
            return;
        }
        pages[bin]++;
        used[bin] += u;
        rewound[bin] += p.rewound();
    }
}
