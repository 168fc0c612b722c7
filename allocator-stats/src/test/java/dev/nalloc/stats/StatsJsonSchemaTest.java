package dev.nalloc.stats;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.nalloc.api.Allocator;
import dev.nalloc.api.AllocatorStats;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON document follows the shipped schema, and the schema rejects what it should. */
class StatsJsonSchemaTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Schema SCHEMA = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(StatsJson.schema());

    private static List<Error> validate(String json) {
        return SCHEMA.validate(JSON.readTree(json));
    }

    @Test
    void documentsOfARealInstanceAreValid() {
        try (Allocator a = TestAllocators.builder("json \"test\"").build()) {
            assertEquals(List.of(), validate(StatsJson.document(a.stats())), "an idle instance");
            long[] p = new long[500];
            for (int i = 0; i < p.length; i++) {
                p[i] = a.malloc(16 + i * 40);
            }
            long huge = a.malloc(40L << 20);
            AllocatorStats s = a.stats();
            String json = StatsJson.document(s);
            assertEquals(List.of(), validate(json), json);
            JsonNode doc = JSON.readTree(json);
            assertEquals(StatsJson.SCHEMA_ID, doc.get("schema").asString());
            assertEquals("json \"test\"", doc.get("name").asString());
            assertEquals(s.allocationCount(), doc.get("allocationCount").asLong());
            assertEquals(501, doc.get("counts").get("blocks").get("current").asLong());
            assertEquals(1, doc.get("counts").get("huge_count").get("current").asLong());
            assertTrue(doc.get("bins").size() > 10);
            assertTrue(doc.get("process").get("elapsedMillis").asLong() >= 0);
            a.free(huge);
            for (long x : p) {
                a.free(x);
            }
            a.collect(true);
            assertEquals(List.of(), validate(StatsJson.document(a.stats())), "after freeing");
        }
    }

    @Test
    void theSchemaRejectsBrokenDocuments() {
        try (Allocator a = TestAllocators.builder("json-negative").build()) {
            a.free(a.malloc(64));
            ObjectNode doc = (ObjectNode) JSON.readTree(a.stats().toJson());
            ObjectNode noCounts = doc.deepCopy();
            noCounts.remove("counts");
            assertFalse(validate(noCounts.toString()).isEmpty(), "counts are required");
            ObjectNode wrongSchema = doc.deepCopy();
            wrongSchema.put("schema", "nalloc-stats/2");
            assertFalse(validate(wrongSchema.toString()).isEmpty(), "the schema id is fixed");
            ObjectNode badCount = doc.deepCopy();
            ((ObjectNode) badCount.get("counts")).putObject("pages").put("current", 1);
            assertFalse(validate(badCount.toString()).isEmpty(), "a count has four fields");
            ObjectNode missingCounter = doc.deepCopy();
            ((ObjectNode) missingCounter.get("counters")).remove("mmap_calls");
            assertFalse(validate(missingCounter.toString()).isEmpty(), "every documented counter is present");
            ObjectNode extra = doc.deepCopy();
            extra.put("surprise", 1);
            assertFalse(validate(extra.toString()).isEmpty(), "no unknown top-level fields");
        }
    }
}
