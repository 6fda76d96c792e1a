package dev.vptlab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.train.RunRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vptlab reproduce --workers}: the same bytes from worker JVMs as from one process. */
class ReproduceWorkersTest {
    /**
     * The study in one process, then with two workers whose parent is killed with SIGKILL after the first finished run:
     * the workers stop too, and reproduce again with two workers ends with the same bytes as the one process.
     */
    @Test
    void twoWorkersKilledAndResumedWriteTheSameRunsAsOneProcess(@TempDir Path tmp) throws Exception {
        Path one = tmp.resolve("one");
        Path two = tmp.resolve("two");
        CliTest.Result a = CliTest.run("reproduce", "--profile", "smoke", "--out", one.toString(), "--workers", "1");
        assertEquals(0, a.code(), a.err());

        // train --threads 1 repeats a run of the study bit for bit (here its segmentation run)
        Path seg = one.resolve("runs/segmentation/mae-gated");
        CliTest.Result t = CliTest.run("train", "--task", "fm-seg", "--recipe", "gated", "--backbone",
                one.resolve("backbones/mae.safetensors").toString(), "--iterations", "4", "--train-limit", "64", "--test-limit", "64",
                "--seed", "42", "--threads", "1", "--progress", "QUIET", "--out", tmp.resolve("alone").toString());
        assertEquals(0, t.code(), t.err());
        assertArrayEquals(Files.readAllBytes(seg.resolve("trainable.safetensors")),
                Files.readAllBytes(tmp.resolve("alone/trainable.safetensors")));

        List<String> cmd = new ArrayList<>(ReproduceWorkers.javaCommand());
        cmd.addAll(List.of("reproduce", "--profile", "smoke", "--out", two.toString(), "--workers", "2"));
        Process parent = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
        List<ProcessHandle> workers = new ArrayList<>();
        for (String line; (line = out.readLine()) != null; ) {
            parent.descendants().filter(h -> !workers.contains(h)).forEach(workers::add);
            if (line.startsWith("[worker") && line.contains("test top-1")) {
                break;
            }
        }
        parent.descendants().filter(h -> !workers.contains(h)).forEach(workers::add);
        assertEquals(2, workers.size(), "two worker JVMs");
        parent.destroyForcibly(); // SIGKILL: no shutdown hook runs
        for (ProcessHandle w : workers) {
            w.onExit().get(60, TimeUnit.SECONDS); // each sees its stdin end and stops
        }
        assertTrue(workers.stream().noneMatch(ProcessHandle::isAlive));
        long finished;
        try (Stream<Path> s = Files.walk(two.resolve("runs"))) {
            finished = s.filter(p -> p.getFileName().toString().equals("record.json"))
                    .filter(p -> RunRecord.read(p.getParent()).status().equals(RunRecord.FINISHED)).count();
        }
        assertTrue(finished >= 1 && finished < 15, "killed part-way: " + finished + " of 15 runs finished");

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

    @Test
    void theDefaultIsOneWorkerPerCoreWithinMemory() {
        int n = ReproduceCommand.defaultWorkers();
        assertTrue(n >= 1 && n <= Runtime.getRuntime().availableProcessors(), "workers " + n);
    }

    private static List<String> withoutWallTime(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    }
}
