package dev.vptlab.reproduce;

import dev.vptlab.VptlabException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The study's runs split into shards for processes that run at once ({@code vptlab reproduce --workers N}). A shard
 * is a set of run folders; each process plans the whole study and runs the jobs whose folders are its own, so that
 * every process computes the same split from the same plan and no folder is run by two.
 *
 * <p>The unit of the split is a block-location series (one backbone and task, k = 1..12, kept in k order so that
 * each run carries the previous one's prefix caches on) or any other single run. A job that reuses an earlier job's
 * folder (the method comparison's VPT-shallow, which is the sweep's k = 1 run) goes with that folder. Units are dealt
 * largest first, each to the shard with the least expected time so far (ties to the lower shard).
 */
public final class StudyShards {
    /**
     * Expected seconds of one run with one thread on this project's 2-core machine (the quick profile's run records),
     * only to balance the shards: a block-location run (prefix-cached), a method-comparison run, a segmentation run.
     */
    static final double SWEEP_RUN_S = 4;
    static final double METHOD_RUN_S = 9;
    static final double SEGMENTATION_RUN_S = 60;

    private StudyShards() {}

    /** A shard "i/n" as given on the command line (1-based), checked. */
    public record Shard(int index, int count) {
        public Shard {
            if (count < 1 || index < 1 || index > count) {
                throw new VptlabException("shard must be i/n with 1 <= i <= n, got " + index + "/" + count);
            }
        }

        public static Shard parse(String s) {
            String[] p = s.split("/", -1);
            try {
                if (p.length == 2) {
                    return new Shard(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
                }
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
            throw new VptlabException("shard must be i/n (e.g. 1/2), got '" + s + "'");
        }

        @Override
        public String toString() {
            return index + "/" + count;
        }
    }

    /** The folders of {@code shard}: a partition of every folder of {@code cls} and {@code seg} over the shards. */
    public static Set<Path> folders(List<Reproduce.Job> cls, List<SegmentationStudy.Job> seg, Shard shard) {
        List<List<Path>> units = new ArrayList<>();
        List<Double> costs = new ArrayList<>();
        Map<String, Integer> series = new LinkedHashMap<>(); // backbone and task -> unit
        Set<Path> seen = new LinkedHashSet<>();
        for (Reproduce.Job j : cls) {
            if (!seen.add(j.folder())) {
                continue; // runs in the unit that owns the folder
            }
            if (j.study().equals("block-location")) {
                int u = series.computeIfAbsent(j.backbone() + " " + j.task(), k -> {
                    units.add(new ArrayList<>());
                    costs.add(0.0);
                    return units.size() - 1;
                });
                units.get(u).add(j.folder());
                costs.set(u, costs.get(u) + SWEEP_RUN_S);
            } else {
                units.add(List.of(j.folder()));
                costs.add(METHOD_RUN_S);
            }
        }
        for (SegmentationStudy.Job j : seg) {
            if (seen.add(j.folder())) {
                units.add(List.of(j.folder()));
                costs.add(SEGMENTATION_RUN_S);
            }
        }
        List<Integer> order = IntStream.range(0, units.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer u) -> -costs.get(u)).thenComparingInt(u -> u)).toList();
        double[] load = new double[shard.count()];
        Set<Path> mine = new LinkedHashSet<>();
        for (int u : order) {
            int least = 0;
            for (int s = 1; s < load.length; s++) {
                if (load[s] < load[least]) {
                    least = s;
                }
            }
            load[least] += costs.get(u);
            if (least == shard.index() - 1) {
                mine.addAll(units.get(u));
            }
        }
        return mine;
    }
}
