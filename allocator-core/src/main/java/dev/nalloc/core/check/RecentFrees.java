package dev.nalloc.core.check;

/**
 * The last few blocks freed whose page has only them (large and huge blocks). Their page (and a
 * huge block's segment) goes away with the free, so a second free finds no block; this ring tells
 * such a double free from a wild address.
 */
public final class RecentFrees {

    private final long[] ring = new long[64];
    private int next;

    public synchronized void add(long address) {
        ring[next] = address;
        next = (next + 1) & (ring.length - 1);
    }

    /** True when {@code address} is among the recent frees. */
    public synchronized boolean contains(long address) {
        for (long a : ring) {
            if (a == address && a != 0) {
                return true;
            }
        }
        return false;
    }

    /** Forgets {@code address}: it was handed out again. */
    public synchronized void remove(long address) {
        for (int i = 0; i < ring.length; i++) {
            if (ring[i] == address) {
                ring[i] = 0;
            }
        }
    }
}
