package dev.vptlab.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.VptlabException;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** A method's run-record form: read back equal, and anything malformed refused with a typed error naming it. */
class MethodRecordsTest {
    @Property(tries = 300, seed = "20261206")
    void everyBuiltInMethodReadsBackEqual(@ForAll @IntRange(min = 0, max = 3) int which, @ForAll @IntRange(min = 1, max = 500) int prompts,
            @ForAll @FloatRange(min = 0f, max = 0.9f) float dropout, @ForAll @IntRange(min = 1, max = 12) int block,
            @ForAll @IntRange(min = 1, max = 5) int position, @ForAll boolean gates, @ForAll boolean temperature,
            @ForAll @FloatRange(min = 0f, max = 20f) float gateInit, @ForAll @FloatRange(min = 0f, max = 0.9f) float dropRate) {
        MethodConfig m = MethodConfig.of(Methods.builtIn().get(which), prompts).withDropout(dropout)
                .withSettings(Map.of("insert_block", block, "cross_position", position, "gates", gates, "temperature",
                        temperature, "gate_init", gateInit, "drop_rate", dropRate));
        Map<String, Object> record = Methods.toRecord(m);
        assertEquals(m, Methods.fromRecord(record));
        // Through JSON numbers (doubles), as a record file gives them back.
        Map<String, Object> json = new LinkedHashMap<>();
        record.forEach((k, v) -> json.put(k, v instanceof Number n ? (Object) n.doubleValue() : v));
        assertEquals(m, Methods.fromRecord(json));
    }

    @Property(tries = 300, seed = "20261206")
    void malformedSettingsAreTypedErrorsNamingTheSetting(@ForAll @IntRange(min = 0, max = 3) int which,
            @ForAll @StringLength(max = 12) String junk) {
        MethodConfig m = MethodConfig.of(Methods.builtIn().get(which), 4);
        for (String key : m.settings().keySet()) {
            Map<String, Object> bad = new LinkedHashMap<>(Methods.toRecord(m));
            bad.put(key, junk + "x");
            VptlabException e = assertThrows(VptlabException.class, () -> Methods.fromRecord(bad));
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
    }

    /** CVPT's backbone dropout: 0 by default (its classification scripts), recorded only when set. */
    @Test
    void cvptBackboneDropoutIsRecordedOnlyWhenSet() {
        CrossVisualPrompts.Config c = (CrossVisualPrompts.Config) MethodConfig.of("cvpt", 10);
        assertEquals(0f, c.dropRate());
        assertTrue(!Methods.toRecord(c).containsKey("drop_rate"), "records made before the option still match");
        assertTrue(c.settingKeys().contains("drop_rate"));
        CrossVisualPrompts.Config set = c.withDropRate(0.1f);
        assertEquals(0.1, (double) Methods.toRecord(set).get("drop_rate"), 1e-7);
        assertEquals(set, Methods.fromRecord(Methods.toRecord(set)));
        assertEquals(c, Methods.fromRecord(Methods.toRecord(c)));
        assertThrows(VptlabException.class, () -> c.withDropRate(1f));
        assertThrows(VptlabException.class, () -> Methods.fromRecord(Map.of("method", "cvpt", "prompts", 4, "drop_rate", -0.1)));
    }

    @Test
    void unknownMethodsAndBadCommonFieldsAreRefused() {
        assertTrue(assertThrows(VptlabException.class, () -> MethodConfig.of("vpt-deeper", 4)).getMessage().contains("vpt-deep"));
        assertThrows(VptlabException.class, () -> Methods.fromRecord(Map.of("method", "gated")));
        assertThrows(VptlabException.class, () -> Methods.fromRecord(Map.of("method", "gated", "prompts", 0)));
        assertThrows(VptlabException.class, () -> Methods.fromRecord(Map.of("method", "gated", "prompts", 4, "prompt_dropout", 1.5)));
        assertThrows(VptlabException.class, () -> Methods.fromRecord(Map.of("method", "cvpt", "prompts", 4, "cross_position", 6)));
    }

    /** Records written before methods had their own settings carry every method's keys: the others are ignored. */
    @Test
    void oldRecordsWithEveryMethodsKeysStillRead() {
        Map<String, Object> old = new LinkedHashMap<>();
        old.put("method", "vpt-deep");
        old.put("prompts", 10.0);
        old.put("insert_block", 1.0);
        old.put("prompt_dropout", 0.1);
        old.put("gate_init", 10.0);
        old.put("gates", true);
        old.put("temperature", true);
        old.put("cross_position", 3.0);
        old.put("drop_path", 0.1);
        old.put("cross_weights", "SHARED_FROZEN");
        assertEquals(VptDeep.Config.of(10), Methods.fromRecord(old));
    }
}
