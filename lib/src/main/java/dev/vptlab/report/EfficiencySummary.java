package dev.vptlab.report;

import dev.vptlab.model.VitConfig;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

/**
 * Sentences (Markdown) on CVPT against VPT-deep in an {@link Efficiency#table}, every number taken from the table
 * or from {@link MethodMacs}: our own summary, and the paper's efficiency claim set against our figures.
 */
public final class EfficiencySummary {
    private EfficiencySummary() {}

    /**
     * Sentences (Markdown) comparing CVPT with VPT-deep in {@code t}, every number taken from the table or the FLOPs
     * formula: at the largest P both have, FLOPs, throughput and memory; from which P CVPT's forward is no costlier;
     * whether their trainable counts agree. Empty when the table lacks either method.
     */
    public static String summary(Table t) {
        CvptVsDeep pair = CvptVsDeep.of(t);
        if (pair == null) {
            return "";
        }
        int p = pair.prompts();
        Row a = pair.cvpt();
        Row b = pair.deep();
        String arch = t.stringColumn("arch").get(0);
        int side = t.intColumn("image").get(0);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "On %s at %d px with P = %d (the largest count in the table for both), CVPT's forward "
                + "costs %.4g GFLOPs per image and VPT-deep's %.4g (%.3f×, computed)", arch, side, p, a.getDouble("gflops"),
                b.getDouble("gflops"), a.getDouble("gflops") / b.getDouble("gflops")));
        if (!Double.isNaN(a.getDouble("train_img_s")) && !Double.isNaN(b.getDouble("train_img_s"))) {
            s.append(String.format(Locale.ROOT, "; measured, CVPT trains at %.1f images/s and VPT-deep at %.1f (%.2f×), and "
                    + "evaluates at %.1f vs %.1f (%.2f×)", a.getDouble("train_img_s"), b.getDouble("train_img_s"),
                    a.getDouble("train_img_s") / b.getDouble("train_img_s"), a.getDouble("eval_img_s"), b.getDouble("eval_img_s"),
                    a.getDouble("eval_img_s") / b.getDouble("eval_img_s")));
        }
        String mem = pair.memoryColumn();
        if (mem != null) {
            s.append(String.format(Locale.ROOT, "; %s %.0f MiB vs %.0f MiB", mem.equals("gpu_mem_mib") ? "GPU memory in use"
                    : "peak RSS of the fresh JVM", a.getDouble(mem), b.getDouble(mem)));
        }
        s.append(".");
        VitConfig c = VitConfig.presets().get(arch);
        if (c != null) {
            int from = MethodMacs.cvptNoCostlierFrom(c.withImageSize(side), 100_000);
            s.append(String.format(Locale.ROOT, " By the formula, CVPT's forward costs more than VPT-deep's below P = %d and no more from "
                    + "there on (%s at %d px).", from, arch, side));
        }
        boolean same = true;
        for (int q : pair.common()) {
            same &= CvptVsDeep.row(t, "cvpt", q).getLong("trainable_params") == CvptVsDeep.row(t, "vpt-deep", q).getLong("trainable_params");
        }
        s.append(same ? " Both train the same number of parameters at every P here (one prompt set per block, and the head)."
                : " Their trainable counts differ at some P (see the table).");
        return s.toString();
    }

    /**
     * The CVPT paper's efficiency claim as the secondary summary gives it (at 200 prompts CVPT has
     * much lower FLOPs and memory than VPT-deep; the paper's curves were not available) set against {@code t} at
     * the largest P it has for both methods: whether our computed FLOPs and measured memory are lower for CVPT, by
     * which ratio. Empty when the table lacks either method.
     */
    public static String paperClaimCheck(Table t) {
        CvptVsDeep pair = CvptVsDeep.of(t);
        if (pair == null) {
            return "";
        }
        int p = pair.prompts();
        Row a = pair.cvpt();
        Row b = pair.deep();
        StringBuilder s = new StringBuilder("**The paper's claim** (CVPT v2, as quoted by a secondary summary; its FLOPs and memory "
                + "curves were not available): at 200 prompts CVPT has much lower FLOPs and memory than VPT-deep. **Ours**, at P = ")
                .append(p).append(" on ").append(a.getString("arch")).append(String.format(Locale.ROOT, " at %d px: ", a.getInt("image")));
        double f = a.getDouble("gflops") / b.getDouble("gflops");
        s.append(String.format(Locale.ROOT, "CVPT's FLOPs are %s VPT-deep's (%.4g vs %.4g GFLOPs per image, %.3f×, computed)",
                f < 1 ? "lower than" : "not lower than", a.getDouble("gflops"), b.getDouble("gflops"), f));
        String mem = pair.memoryColumn();
        if (mem != null) {
            double r = a.getDouble(mem) / b.getDouble(mem);
            s.append(String.format(Locale.ROOT, "; its %s is %s (%.0f vs %.0f MiB, %.2f×, measured)", mem.equals("gpu_mem_mib")
                    ? "GPU memory in use" : "peak RSS", r < 1 ? "lower" : "not lower", a.getDouble(mem), b.getDouble(mem), r));
        } else {
            s.append("; memory was not measured");
        }
        return s.append(".").toString();
    }

    /** CVPT's and VPT-deep's rows at the largest prompt count both have; {@code common} holds every shared count. */
    private record CvptVsDeep(int prompts, Row cvpt, Row deep, TreeSet<Integer> common) {
        static CvptVsDeep of(Table t) {
            TreeSet<Integer> common = new TreeSet<>(prompts(t, "cvpt"));
            common.retainAll(prompts(t, "vpt-deep"));
            if (common.isEmpty()) {
                return null;
            }
            int p = common.last();
            return new CvptVsDeep(p, row(t, "cvpt", p), row(t, "vpt-deep", p), common);
        }

        private static List<Integer> prompts(Table t, String method) {
            return t.where(t.stringColumn("method").isEqualTo(method)).intColumn("prompts").asList();
        }

        /** GPU memory when measured, else peak RSS; null when either row lacks it. */
        String memoryColumn() {
            String mem = !Double.isNaN(cvpt.getDouble("gpu_mem_mib")) ? "gpu_mem_mib" : "peak_rss_mib";
            return Double.isNaN(cvpt.getDouble(mem)) || Double.isNaN(deep.getDouble(mem)) ? null : mem;
        }

        static Row row(Table t, String method, int prompts) {
            return t.where(t.stringColumn("method").isEqualTo(method).and(t.intColumn("prompts").isEqualTo(prompts))).row(0);
        }
    }
}
