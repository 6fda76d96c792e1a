package dev.vptlab.report;

import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.MethodConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Parameters, forward FLOPs, throughput and memory of prompt methods against the number of prompts P, on one
 * ViT (issue #7; notebook {@code 10-efficiency}). One row per (method, P) of {@link #table}; each figure comes
 * from the class of its idea:
 * <ul>
 *   <li>parameters, counted on the built model: {@link ParameterCount}</li>
 *   <li>forward FLOPs per image, computed: {@link MethodMacs} on the formulas of {@link dev.vptlab.model.Macs}
 *       ({@code gflops} = 2 × {@code gmacs}: a multiply-add is 2 FLOPs)</li>
 *   <li>throughput, measured: {@link Bench#run}, as {@code vptlab bench}: a random trunk, one random batch of
 *       {@code batch} images, {@code warmup} untimed steps, then the median of {@code steps} timed ones;
 *       {@code train_img_s} times forward (prompt dropout and drop-path on) + cross-entropy + backward + SGD update,
 *       {@code eval_img_s} one evaluation forward. On a shared machine the numbers move with the load of the other
 *       processes.</li>
 *   <li>memory, measured: with {@link Measure#FRESH_JVM} (the default) every configuration runs in its own new JVM
 *       ({@link FreshJvmLauncher}, which says what {@code peak_rss_mib} and {@code gpu_mem_mib} hold), which also
 *       does the timing above. With {@link Measure#IN_PROCESS} the timing runs in this JVM and only the GPU figure
 *       is measured ({@link Measurement#inProcess}); with {@link Measure#NONE} only parameters and FLOPs are
 *       filled in.</li>
 * </ul>
 * The rest of the study has classes of its own: the {@code vptlab bench --csv} file ({@link BenchCsv}), the
 * figures ({@link EfficiencyCharts}), the sentences ({@link EfficiencySummary}) and the paper's CVPT counts
 * ({@link CvptWeightVariants}). The static methods below the table are the notebook's entry points to those
 * (and {@link #forwardGflops}, {@code plan.GpuHours}'): one line each, kept so that callers need one class.
 */
public final class Efficiency {
    private Efficiency() {}

    /** How speed and memory are measured. */
    public enum Measure {
        /** Parameters and FLOPs only. */
        NONE,
        /** {@link Measurement#inProcess}: {@link Bench#run} in this JVM: throughput, and device memory on a GPU. */
        IN_PROCESS,
        /** {@link FreshJvmLauncher}: a fresh JVM per configuration: throughput, peak RSS, and device memory on a GPU. */
        FRESH_JVM
    }

    /**
     * What to measure and how: images per step, head classes, untimed and timed steps.
     *
     * @param timeoutSeconds the longest one fresh JVM may run before it is killed and the table fails
     * @param threads libtorch's intra-op and inter-op threads in each fresh JVM ({@code ai.djl.pytorch.num_threads}
     *     and {@code num_interop_threads}); 0 keeps the engine's default (all cores). On a CPU shared with other
     *     processes, 1 gives far steadier timings: a thread pool whose threads wait for each other loses most of its
     *     time when a core is taken away. Not applied in-process (the engine there is already started).
     */
    public record Settings(int batch, int classes, int warmup, int steps, Measure measure, long timeoutSeconds, int threads) {
        public Settings {
            if (batch < 1 || classes < 1 || warmup < 0 || steps < 1 || timeoutSeconds < 1 || threads < 0) {
                throw new VptlabException("efficiency settings: need batch >= 1, classes >= 1, warmup >= 0, steps >= 1, "
                        + "a positive timeout and threads >= 0, got " + batch + ", " + classes + ", " + warmup + ", " + steps
                        + ", " + timeoutSeconds + ", " + threads);
            }
        }

        /**
         * Batch 32 (CVPT's training batch), 100 classes, 2 warm-up and 5 timed steps, a fresh JVM per row, the
         * engine's default threads.
         */
        public static Settings defaults() {
            return new Settings(32, 100, 2, 5, Measure.FRESH_JVM, 3600, 0);
        }

        public Settings withBatch(int b) {
            return new Settings(b, classes, warmup, steps, measure, timeoutSeconds, threads);
        }

        public Settings withClasses(int c) {
            return new Settings(batch, c, warmup, steps, measure, timeoutSeconds, threads);
        }

        public Settings withSteps(int warm, int timed) {
            return new Settings(batch, classes, warm, timed, measure, timeoutSeconds, threads);
        }

        public Settings withMeasure(Measure m) {
            return new Settings(batch, classes, warmup, steps, m, timeoutSeconds, threads);
        }

        public Settings withThreads(int t) {
            return new Settings(batch, classes, warmup, steps, measure, timeoutSeconds, t);
        }
    }

    // ------------------------------------------------------------------------------------------ the table

    /** {@link #table(VitConfig, List, List, Settings, Consumer)} with one progress line per row on {@code System.out}. */
    public static Table table(VitConfig c, List<String> methods, List<Integer> prompts, Settings s) {
        return table(c, methods, prompts, s, System.out::println);
    }

    /**
     * One row per method and prompt count: arch, image, method, prompts, classes, trainable_params, prompt_params,
     * total_params, trainable_pct, gmacs, gflops, batch, threads (libtorch threads of the fresh JVMs, 0 = the engine's
     * default), device, train_img_s, eval_img_s, peak_rss_mib, gpu_mem_mib, memory (what the memory columns are). See
     * the class comment for each column.
     */
    public static Table table(VitConfig c, List<String> methods, List<Integer> prompts, Settings s, Consumer<String> log) {
        Table t = Table.create("efficiency of " + c.name() + " at " + c.imageSize() + " px (ours)");
        StringColumn arch = StringColumn.create("arch");
        IntColumn image = IntColumn.create("image");
        StringColumn method = StringColumn.create("method");
        IntColumn nPrompts = IntColumn.create("prompts");
        IntColumn classes = IntColumn.create("classes");
        LongColumn trainable = LongColumn.create("trainable_params");
        LongColumn promptParams = LongColumn.create("prompt_params");
        LongColumn total = LongColumn.create("total_params");
        DoubleColumn pct = DoubleColumn.create("trainable_pct");
        DoubleColumn gmacs = DoubleColumn.create("gmacs");
        DoubleColumn gflops = DoubleColumn.create("gflops");
        IntColumn batch = IntColumn.create("batch");
        IntColumn threads = IntColumn.create("threads");
        StringColumn device = StringColumn.create("device");
        DoubleColumn train = DoubleColumn.create("train_img_s");
        DoubleColumn eval = DoubleColumn.create("eval_img_s");
        DoubleColumn rss = DoubleColumn.create("peak_rss_mib");
        DoubleColumn gpu = DoubleColumn.create("gpu_mem_mib");
        StringColumn memory = StringColumn.create("memory");
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(c, manager);
            for (String name : methods) {
                for (int p : prompts) {
                    MethodConfig m = MethodConfig.of(name, p);
                    ParameterCount params = ParameterCount.of(vit, m, s.classes(), manager);
                    long macs = MethodMacs.forwardMacs(c, m);
                    Measurement r = switch (s.measure()) {
                        case NONE -> Measurement.none();
                        case IN_PROCESS -> Measurement.inProcess(c, m, s);
                        case FRESH_JVM -> FreshJvmLauncher.measure(c, m, s);
                    };
                    arch.append(c.name());
                    image.append(c.imageSize());
                    method.append(name);
                    nPrompts.append(p);
                    classes.append(s.classes());
                    trainable.append(params.trainable());
                    promptParams.append(params.prompts());
                    total.append(params.total());
                    pct.append(100.0 * params.trainable() / params.total());
                    gmacs.append(macs / 1e9);
                    gflops.append(2.0 * macs / 1e9);
                    batch.append(s.batch());
                    threads.append(s.measure() == Measure.FRESH_JVM ? s.threads() : 0);
                    device.append(r.device());
                    train.append(r.trainImagesPerSecond());
                    eval.append(r.evalImagesPerSecond());
                    rss.append(r.peakRssMiB());
                    gpu.append(r.gpuMemoryMiB());
                    memory.append(r.memory());
                    log.accept(String.format(Locale.ROOT, "%s P=%d: %,d trainable, %.3f GFLOPs%s", name, p, params.trainable(),
                            2.0 * macs / 1e9, s.measure() == Measure.NONE ? "" : String.format(Locale.ROOT,
                                    ", train %.1f img/s, eval %.1f img/s, peak RSS %.0f MiB%s", r.trainImagesPerSecond(),
                                    r.evalImagesPerSecond(), r.peakRssMiB(),
                                    Double.isNaN(r.gpuMemoryMiB()) ? "" : String.format(Locale.ROOT, ", GPU %.0f MiB", r.gpuMemoryMiB()))));
                }
            }
        }
        t.addColumns(arch, image, method, nPrompts, classes, trainable, promptParams, total, pct, gmacs, gflops, batch, threads,
                device, train, eval, rss, gpu, memory);
        return t;
    }

    // ------------------------------------------------------------------------------------------ entry points

    /** {@link BenchCsv#fill}. */
    public static int withBenchCsv(Table t, Path csv) {
        return BenchCsv.fill(t, csv);
    }

    /** {@link BenchCsv#commands}. */
    public static List<String> benchCommands(VitConfig c, List<String> methods, List<Integer> prompts, Settings s, Path csv) {
        return BenchCsv.commands(c, methods, prompts, s, csv);
    }

    /** {@link EfficiencyCharts#charts}. */
    public static Map<String, XYChart> charts(Table t) {
        return EfficiencyCharts.charts(t);
    }

    /** {@link EfficiencySummary#summary}. */
    public static String summary(Table t) {
        return EfficiencySummary.summary(t);
    }

    /** {@link EfficiencySummary#paperClaimCheck}. */
    public static String paperClaimCheck(Table t) {
        return EfficiencySummary.paperClaimCheck(t);
    }

    /** {@link CvptWeightVariants#vsPaper}. */
    public static Table cvptWeightVariantsVsPaper(VitConfig c, int prompts, int classes) {
        return CvptWeightVariants.vsPaper(c, prompts, classes);
    }

    /** {@link CvptWeightVariants#comparison}. */
    public static String paperComparison(Table variants) {
        return CvptWeightVariants.comparison(variants);
    }

    /** {@link MethodMacs#forwardGflops}. */
    public static double forwardGflops(VitConfig c, MethodConfig m) {
        return MethodMacs.forwardGflops(c, m);
    }
}
