package dev.nalloc.stats;

import dev.nalloc.api.AllocatorStats;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The statistics JSON document ({@code mi_stats_get_json}): what {@link AllocatorStats#toJson()}
 * writes, and the JSON Schema (draft 2020-12) it follows, shipped in this jar as
 * {@value #SCHEMA_RESOURCE}. Schema {@code nalloc-stats/1} only ever gains optional fields, counts
 * and counters; nothing is renamed or removed.
 */
public final class StatsJson {

    /** The schema's resource name in this module (package {@code dev.nalloc.stats}). */
    public static final String SCHEMA_RESOURCE = "nalloc-stats-1.schema.json";
    /** The value of the document's {@code schema} field. */
    public static final String SCHEMA_ID = "nalloc-stats/1";

    private StatsJson() {
    }

    /**
     * {@return the JSON document of a snapshot}
     *
     * @param stats the snapshot
     */
    public static String document(AllocatorStats stats) {
        return stats.toJson();
    }

    /** {@return the JSON Schema text} */
    public static String schema() {
        try (InputStream in = StatsJson.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("nalloc: the schema resource " + SCHEMA_RESOURCE + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
