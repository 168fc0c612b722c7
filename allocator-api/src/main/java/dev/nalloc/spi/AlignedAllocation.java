package dev.nalloc.spi;

/**
 * Guaranteed-alignment reservations on top of {@link OsPrimitives#alloc} (mimalloc's
 * {@code mi_os_prim_alloc_aligned}): first ask with an alignment hint; if the OS places it
 * elsewhere, over-allocate by the alignment and either trim both ends (where partial free works)
 * or free and re-reserve exactly at the aligned address inside (where it does not, e.g. Windows).
 */
final class AlignedAllocation {

    private static final int ATTEMPTS = 3;

    private AlignedAllocation() {
    }

    static OsPrimitives.Allocation allocate(OsPrimitives os, long size, long alignment, boolean commit,
                                            boolean allowLarge) {
        if (size <= 0 || alignment <= 0 || Long.bitCount(alignment) != 1) {
            return OsPrimitives.Allocation.failed(22); // EINVAL / ERROR_INVALID_PARAMETER are both "bad argument"
        }
        OsPrimitives.Allocation first = os.alloc(0, size, alignment, commit, allowLarge);
        if (!first.ok() || (first.address() & (alignment - 1)) == 0) {
            return first;
        }
        os.free(first.address(), first.size());
        long over = size + alignment;
        if (over < 0) {
            return OsPrimitives.Allocation.failed(12); // ENOMEM
        }
        boolean partialFree = os.memoryConfig().hasPartialFree();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            // Over-allocation reserves only (commit later) so that the trimmed parts were never charged.
            OsPrimitives.Allocation big = os.alloc(0, over, alignment, commit && partialFree, allowLarge);
            if (!big.ok()) {
                return big;
            }
            long aligned = (big.address() + alignment - 1) & -alignment;
            if (partialFree) {
                long head = aligned - big.address();
                long tail = big.address() + over - (aligned + size);
                if (head > 0) {
                    os.free(big.address(), head);
                }
                if (tail > 0) {
                    os.free(aligned + size, tail);
                }
                return new OsPrimitives.Allocation(aligned, size, big.large(), big.zero(), 0);
            }
            // No partial free: release the whole and ask for exactly the aligned part; another
            // thread may take the range in between, hence the retries.
            os.free(big.address(), over);
            OsPrimitives.Allocation exact = os.alloc(aligned, size, alignment, commit, allowLarge);
            if (exact.ok() && exact.address() == aligned) {
                return exact;
            }
            if (exact.ok()) {
                os.free(exact.address(), exact.size());
            }
        }
        return OsPrimitives.Allocation.failed(12);
    }
}
