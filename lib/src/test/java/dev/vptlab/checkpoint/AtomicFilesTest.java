package dev.vptlab.checkpoint;

import dev.vptlab.util.AtomicFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    @Test
    void safetensorsBytesDoNotDependOnTheMetadataMapOrder() throws Exception {
        Map<String, RawTensor> t = Map.of("w", RawTensor.ofFloats(new long[] {2}, new float[] {1f, -2f}));
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("alpha", "1");
        ab.put("beta", "2");
        Map<String, String> ba = new LinkedHashMap<>();
        ba.put("beta", "2");
        ba.put("alpha", "1");
        Safetensors.write(tmp.resolve("ab.safetensors"), t, ab);
        Safetensors.write(tmp.resolve("ba.safetensors"), t, ba);
        byte[] a = Files.readAllBytes(tmp.resolve("ab.safetensors"));
        assertArrayEquals(a, Files.readAllBytes(tmp.resolve("ba.safetensors")));
        assertEquals(List.of("alpha", "beta"), List.copyOf(Safetensors.read(tmp.resolve("ba.safetensors")).metadata().keySet()));
    }

    @Test
    void leftoversOfKilledWritesAreRemovedAndNothingElse() throws Exception {
        Path dir = tmp.resolve("run");
        AtomicFiles.writeString(dir.resolve("record.json"), "{}\n");
        // what a write killed between creating and renaming its temporary file leaves
        Files.writeString(dir.resolve(".state.safetensors4711.tmp"), "half");
        Files.writeString(dir.resolve(".record.json99.tmp"), "{");
        Files.writeString(dir.resolve("notes.tmp"), "not ours: no leading dot");
        Files.createDirectories(dir.resolve(".cache.tmp"));
        assertEquals(List.of(".record.json99.tmp", ".state.safetensors4711.tmp"), AtomicFiles.removeLeftovers(dir));
        assertTrue(Files.exists(dir.resolve("record.json")) && Files.exists(dir.resolve("notes.tmp"))
                && Files.isDirectory(dir.resolve(".cache.tmp")));
        assertEquals(List.of(), AtomicFiles.removeLeftovers(dir));
        assertEquals(List.of(), AtomicFiles.removeLeftovers(tmp.resolve("absent")));
    }
}
