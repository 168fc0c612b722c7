package dev.nalloc.core.leak;

import java.util.List;

/**
 * One allocating stack shared by every live record made there, with the live blocks and bytes
 * recorded there (changed under the intern table's lock of its key; read racily by reports).
 * It leaves the table when its last record goes.
 */
final class Site {

    final SiteKey key;
    final List<StackTraceElement> stack;
    volatile long blocks;
    volatile long bytes;

    Site(SiteKey key, List<StackTraceElement> stack) {
        this.key = key;
        this.stack = List.copyOf(stack);
    }
}
