package dev.vptlab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.train.RunRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vptlab reproduce --workers}: the same bytes from worker JVMs as from one process. */
class ReproduceWorkersTest {
    @Test
    void twoWorkersWriteTheSameRunsAsOneProcess(@TempDir Path tmp) throws IOException {
        Path one = tmp.resolve("one");
        Path two = tmp.resolve("two");
        CliTest.Result a = CliTest.run("reproduce", "--profile", "smoke", "--out", one.toString(), "--workers", "1");
        assertEquals(0, a.code(), a.err());
        CliTest.Result b = CliTest.run("reproduce", "--profile", "smoke", "--out", two.toString(), "--workers", "2");
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("2 at a time"), b.out());
        List<Path> params;
        try (Stream<Path> s = Files.walk(one.resolve("runs"))) {
            params = s.filter(p -> p.getFileName().toString().equals("trainable.safetensors")).sorted().toList();
        }
        assertEquals(15, params.size(), "14 classification folders (one reused) and one segmentation run");
        for (Path p : params) {
            Path other = two.resolve(one.relativize(p));
            assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(other), one.relativize(p).toString());
            RunRecord r = RunRecord.read(other.getParent());
            assertEquals(RunRecord.FINISHED, r.status());
            assertEquals("1", r.versions().get("torch_threads"), "every run of the study uses one libtorch thread");
        }
        assertEquals(withoutWallTime(one.resolve("tables/all_runs.csv")), withoutWallTime(two.resolve("tables/all_runs.csv")));
    }

    @Test
    void aBadBackboneStopsTheStudyBeforeAnyWorkerStarts(@TempDir Path tmp) throws IOException {
        Path junk = Files.write(tmp.resolve("mae.safetensors"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        for (Path bad : List.of(junk, tmp.resolve("missing.safetensors"))) {
            Path out = tmp.resolve("out");
            CliTest.Result r = CliTest.run("reproduce", "--profile", "smoke", "--out", out.toString(), "--workers", "2", "--mae",
                    bad.toString());
            assertEquals(1, r.code());
            assertTrue(r.err().contains(bad.toString()), r.err());
            assertTrue(!Files.exists(out.resolve("runs")), "no run started");
        }
    }

    private static List<String> withoutWallTime(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    }
}
