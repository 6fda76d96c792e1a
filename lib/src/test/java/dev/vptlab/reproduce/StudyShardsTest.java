package dev.vptlab.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.VptlabException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class StudyShardsTest {
    private static final Path RESULTS = Path.of("/results");
    private static final Path T = Path.of("/x.safetensors");
    private static final Reproduce.Backbones B = new Reproduce.Backbones(T, T, T);

    private static List<Reproduce.Job> cls() {
        return Reproduce.plan(Reproduce.Profile.QUICK, B, RESULTS, 42);
    }

    private static List<SegmentationStudy.Job> seg(int seeds) {
        return SegmentationStudy.plan(Reproduce.Profile.QUICK, B, RESULTS, 42, seeds);
    }

    private static Set<Path> all(int seeds) {
        Set<Path> all = new HashSet<>();
        cls().forEach(j -> all.add(j.folder()));
        seg(seeds).forEach(j -> all.add(j.folder()));
        return all;
    }

    @Property(tries = 30)
    void theShardsPartitionTheStudysFolders(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll @IntRange(min = 1, max = 3) int seeds) {
        Set<Path> union = new HashSet<>();
        int total = 0;
        for (int i = 1; i <= n; i++) {
            Set<Path> mine = StudyShards.folders(cls(), seg(seeds), new StudyShards.Shard(i, n));
            total += mine.size();
            union.addAll(mine);
        }
        assertEquals(all(seeds), union, "every folder is in a shard");
        assertEquals(union.size(), total, "no folder is in two shards");
    }

    @Test
    void aBlockLocationSeriesStaysInOneShardAndTheReusedRunGoesWithIt() {
        List<Reproduce.Job> jobs = cls();
        for (int i = 1; i <= 2; i++) {
            Set<Path> mine = StudyShards.folders(jobs, seg(1), new StudyShards.Shard(i, 2));
            for (String series : List.of("mae-fm-item", "mocov3-fm-position", "supervised-fm-item")) {
                List<Boolean> k = new ArrayList<>();
                for (int b = 1; b <= 12; b++) {
                    k.add(mine.contains(RESULTS.resolve("runs/block-location").resolve(series + String.format("-k%02d", b))));
                }
                assertTrue(k.stream().allMatch(x -> x) || k.stream().noneMatch(x -> x), series + ": " + k);
            }
            // methods' VPT-shallow on fm-item is the sweep's k = 1 run: it is planned with that folder, which one shard owns
            Path reused = jobs.stream().filter(j -> j.study().equals("methods") && j.task().equals("fm-item")
                    && j.method().equals("vpt-shallow") && j.backbone().equals("mae")).findFirst().orElseThrow().folder();
            assertEquals(RESULTS.resolve("runs/block-location/mae-fm-item-k01"), reused);
        }
    }

    @Test
    void twoShardsOfTheQuickStudyTakeAboutTheSameTime() {
        double[] load = new double[2];
        for (int i = 1; i <= 2; i++) {
            Set<Path> mine = StudyShards.folders(cls(), seg(1), new StudyShards.Shard(i, 2));
            for (Path f : mine) {
                String s = f.getParent().getFileName().toString();
                load[i - 1] += s.equals("segmentation") ? StudyShards.SEGMENTATION_RUN_S
                        : s.equals("block-location") ? StudyShards.SWEEP_RUN_S : StudyShards.METHOD_RUN_S;
            }
        }
        // the largest unit is a 12-run sweep series (48 s) or a segmentation run (60 s): no greedy deal can do better
        assertTrue(Math.abs(load[0] - load[1]) <= StudyShards.SEGMENTATION_RUN_S, load[0] + " vs " + load[1]);
        assertEquals(StudyShards.folders(cls(), seg(1), new StudyShards.Shard(1, 2)),
                StudyShards.folders(cls(), seg(1), new StudyShards.Shard(1, 2)), "the same plan gives the same shards");
    }

    @Test
    void aShardIsIOfN() {
        assertEquals(new StudyShards.Shard(2, 3), StudyShards.Shard.parse("2/3"));
        for (String bad : List.of("0/2", "3/2", "1", "a/b", "1/0", "", "1/2/3", "-1/2")) {
            VptlabException e = assertThrows(VptlabException.class, () -> StudyShards.Shard.parse(bad), bad);
            assertTrue(e.getMessage().contains("i/n"), e.getMessage());
        }
    }
}
