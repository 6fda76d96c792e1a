package dev.vptlab.plan;

import dev.vptlab.prompt.Methods;
import dev.vptlab.train.RunRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.DoubleStream;

/**
 * The reported number of each result of a plan, per seed and as mean ± std across seeds. Where runs compete
 * ({@link PlanEntry#select}), the one with the best validation top-1 is taken (Gated PT App. A.2 selects the lr
 * by validation accuracy), and only once all of them finished. The number is the last-epoch test top-1 for
 * Gated PT and VPT (Gated PT's paper does not say which epoch it reports; with VTAB's val200 inside the training
 * data the last epoch is the meaningful one) and the best periodic test top-1 for CVPT (its released script
 * reports the best). A segmentation run's number is its last single-scale mIoU.
 *
 * @param result the result's name: the run or competing group without its seed
 * @param perSeed the reported number of each seed that has one, by seed; NaN for a seed not complete yet
 * @param chosen the run chosen for each seed (the only run when none compete); empty while incomplete
 */
public record SeedSummary(String result, Map<Long, Double> perSeed, Map<Long, String> chosen) {
    private static final Pattern SEED = Pattern.compile("-s\\d+$");

    /** Mean over the seeds that have a number (NaN if none). */
    public double mean() {
        return finite().average().orElse(Double.NaN);
    }

    /** Sample standard deviation over the seeds that have a number (NaN below two). */
    public double std() {
        long n = finished();
        if (n < 2) {
            return Double.NaN;
        }
        double m = mean();
        return Math.sqrt(finite().map(x -> (x - m) * (x - m)).sum() / (n - 1));
    }

    /** Lowest number over the seeds that have one (NaN if none). */
    public double min() {
        return finite().min().orElse(Double.NaN);
    }

    /** Highest number over the seeds that have one (NaN if none). */
    public double max() {
        return finite().max().orElse(Double.NaN);
    }

    /** How many seeds have a number. */
    public long finished() {
        return finite().count();
    }

    /** The numbers of the seeds that have one, in seed order. */
    private DoubleStream finite() {
        return perSeed.values().stream().mapToDouble(Double::doubleValue).filter(Double::isFinite);
    }

    /** One summary per result of {@code plan}, in plan order; {@code state} gives each entry's state. */
    public static List<SeedSummary> of(Plan plan, Function<PlanEntry, EntryState> state) {
        // result -> seed -> competing entries
        Map<String, Map<Long, List<PlanEntry>>> groups = new LinkedHashMap<>();
        for (PlanEntry e : plan.entries()) {
            String competition = e.select() != null ? e.select() : e.id();
            String result = SEED.matcher(competition).replaceFirst("");
            long seed = ((Number) e.config().get("seed")).longValue();
            groups.computeIfAbsent(result, k -> new LinkedHashMap<>()).computeIfAbsent(seed, k -> new ArrayList<>()).add(e);
        }
        List<SeedSummary> out = new ArrayList<>();
        groups.forEach((result, seeds) -> {
            Map<Long, Double> per = new LinkedHashMap<>();
            Map<Long, String> chosen = new LinkedHashMap<>();
            seeds.forEach((seed, competing) -> {
                RunRecord best = null;
                String bestId = null;
                for (PlanEntry e : competing) {
                    EntryState s = state.apply(e);
                    if (!s.finished()) {
                        best = null;
                        break;
                    }
                    if (best == null || s.record().bestValTop1() > best.bestValTop1()) {
                        best = s.record();
                        bestId = e.id();
                    }
                }
                per.put(seed, best == null ? Double.NaN : reported(best));
                if (best != null) {
                    chosen.put(seed, bestId);
                }
            });
            out.add(new SeedSummary(result, per, chosen));
        });
        return out;
    }

    /**
     * The test accuracy the method's paper reports: the best epoch's or the last one's; for a segmentation run the
     * single-scale mIoU of its last evaluation (mmseg evaluates the final iteration's model).
     */
    private static double reported(RunRecord r) {
        if (dev.vptlab.seg.SegConfig.isSegmentation(r.config())) {
            return r.lastTestMiou();
        }
        return Methods.fromRecord(r.config()).reportsBestTestEpoch() ? r.bestTestTop1() : r.lastTestTop1();
    }
}
