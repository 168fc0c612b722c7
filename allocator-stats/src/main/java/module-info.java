/**
 * Rendering and export of Nalloc's statistics. Today: a human-readable table of an
 * {@link dev.nalloc.api.AllocatorStats} snapshot with human units; JSON schema, JMX and JFR export
 * are to come.
 */
module dev.nalloc.stats {
    requires dev.nalloc.api;

    exports dev.nalloc.stats;
}
