package dev.nalloc.core.leak;

/**
 * What leak detection keeps for one live recorded block, outside the block: its site and the
 * size it was requested with. {@code alignment} is above 1 for aligned requests (over 8 bytes),
 * whose blocks may also be freed through another address inside them (as in mimalloc). Compared
 * by identity: a record is removed only by whoever holds that very record.
 */
final class Record {
    final Site site;
    final long size;
    final long alignment;

    Record(Site site, long size, long alignment) {
        this.site = site;
        this.size = size;
        this.alignment = alignment;
    }

    Site site() {
        return site;
    }

    long size() {
        return size;
    }

    long alignment() {
        return alignment;
    }
}
