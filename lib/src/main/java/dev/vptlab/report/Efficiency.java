package dev.vptlab.report;

import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.model.Macs;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptedVit;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Parameters, forward FLOPs, throughput and memory of prompt methods against the number of prompts P, on one
 * ViT (issue #7; notebook {@code 10-efficiency}). One row per (method, P) of {@link #table}.
 *
 * <h2>Parameters (counted on the built model)</h2>
 * Each configuration is built for real ({@link MethodConfig#model}, random weights, a {@code classes}-way head):
 * {@code trainable_params} is {@link PromptedVit#trainableCount()} (prompts, gates and temperatures where the
 * method has them, CVPT's own cross-attention weights in its learnable variants, and the head);
 * {@code prompt_params} is its "prompts" group ({@link PromptedVit#parameterGroups()}); {@code total_params} adds
 * the size of every tensor of the built frozen trunk.
 *
 * <h2>Forward FLOPs per image (computed, not measured)</h2>
 * {@link MethodMacs#forwardMacs} on the formulas of {@link Macs}; a multiply-add is 2 FLOPs, so {@code gflops} =
 * 2 × {@code gmacs} / 10⁹.
 *
 * <h2>Throughput (measured)</h2>
 * {@link Bench#run}, as {@code vptlab bench}: a random trunk, one random batch of {@code batch} images,
 * {@code warmup} untimed steps, then the median of {@code steps} timed ones; {@code train_img_s} times forward
 * (prompt dropout and drop-path on) + cross-entropy + backward + SGD update, {@code eval_img_s} one evaluation
 * forward. On a shared machine the numbers move with the load of the other processes.
 *
 * <h2>Memory (measured)</h2>
 * With {@link Measure#FRESH_JVM} (the default), every configuration runs in its own new JVM
 * ({@code dev.vptlab.cli.Main bench}, started with this JVM's java, classpath and {@code ai.djl.*} properties,
 * plus {@code -Xmx1g -XX:+UseSerialGC}, and libtorch's thread count when {@link Settings#threads} is set), which also
 * does the timing above. Then:
 * <ul>
 *   <li>{@code peak_rss_mib}: that JVM's peak resident set ({@code VmHWM} of {@code /proc/self/status}) when the
 *       bench ends: the JVM itself, libtorch's code, the random trunk, the prompts, and the activations,
 *       gradients and optimizer state of the largest step. The part that does not depend on the method or P
 *       (JVM + libtorch) is included; compare rows, not one row with the activations alone.</li>
 *   <li>{@code gpu_mem_mib} (GPU only): the memory in use on the whole device after the last timed step (CUDA's
 *       total − free): the CUDA context plus what PyTorch's caching allocator holds, which keeps its peak
 *       reservation (plus anything else running on that GPU).</li>
 * </ul>
 * With {@link Measure#IN_PROCESS} the timing runs in this JVM and only the GPU figure is measured (the peak RSS of
 * a long-lived JVM says nothing about one configuration); with {@link Measure#NONE} only parameters and FLOPs are
 * filled in.
 */
public final class Efficiency {
    private Efficiency() {}

    /** How speed and memory are measured. */
    public enum Measure {
        /** Parameters and FLOPs only. */
        NONE,
        /** {@link Bench#run} in this JVM: throughput, and device memory on a GPU. */
        IN_PROCESS,
        /** A fresh JVM per configuration: throughput, peak RSS, and device memory on a GPU. */
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

    /** Trainable, prompt-only and total parameter counts of a built model. */
    public record Params(long trainable, long prompts, long total) {}

    /**
     * One speed and memory measurement; NaN where not measured.
     *
     * @param memory what the memory figures are, in words
     */
    public record Measurement(String device, double trainImagesPerSecond, double evalImagesPerSecond, double peakRssMiB,
            double gpuMemoryMiB, String memory) {
        static Measurement none() {
            return new Measurement("", Double.NaN, Double.NaN, Double.NaN, Double.NaN, "not measured");
        }
    }

    // ------------------------------------------------------------------------------------------ FLOPs

    /** {@link MethodMacs#forwardGflops}. */
    public static double forwardGflops(VitConfig c, MethodConfig m) {
        return MethodMacs.forwardGflops(c, m);
    }

    // ------------------------------------------------------------------------------------------ parameters

    /** Builds {@code m} on a random {@code c} trunk with a {@code classes}-way head and counts its parameters. */
    public static Params parameters(VitConfig c, MethodConfig m, int classes) {
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(c, manager);
            return parameters(vit, m, classes, manager);
        }
    }

    private static Params parameters(VisionTransformer vit, MethodConfig m, int classes, NDManager parent) {
        long trunk = vit.namedParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
        try (NDManager sub = parent.newSubManager()) {
            PromptedVit model = m.model(vit, sub, Pooling.CLS, classes);
            long trainable = model.trainableCount();
            long prompts = model.parameterGroups().getOrDefault("prompts", 0L);
            return new Params(trainable, prompts, trunk + trainable);
        }
    }

    // ------------------------------------------------------------------------------------------ measurement

    /** Throughput (and device memory on a GPU) of one configuration in this JVM. */
    public static Measurement measureInProcess(VitConfig c, MethodConfig m, Settings s) {
        Bench.Result r = Bench.run(c, m, s.batch(), s.classes(), s.warmup(), s.steps());
        boolean gpu = !Double.isNaN(r.deviceMemoryMiB());
        return new Measurement(r.device(), r.trainImagesPerSecond(), r.evalImagesPerSecond(), Double.NaN,
                r.deviceMemoryMiB(), gpu ? "GPU memory in use after the timed steps (this JVM: includes earlier configurations' "
                        + "cached blocks)" : "not measured (in-process on a CPU)");
    }

    /**
     * Throughput and memory of one configuration in a fresh JVM running {@code vptlab bench}; see the class
     * comment for what is measured. {@code c} must be a preset (at any image size) and {@code m} the method's
     * defaults (what {@code bench} builds).
     */
    public static Measurement measureInFreshJvm(VitConfig c, MethodConfig m, Settings s) {
        List<String> cmd = childCommand(c, m, s);
        Path err = null;
        try {
            err = Files.createTempFile("vptlab-efficiency", ".err");
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(s.timeoutSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new VptlabException("efficiency: " + describe(c, m) + ": the fresh JVM ran past " + s.timeoutSeconds() + " s");
            }
            if (p.exitValue() != 0) {
                throw new VptlabException("efficiency: " + describe(c, m) + ": the fresh JVM exited with " + p.exitValue() + ": "
                        + tail(Files.readString(err), 15) + "\ncommand: " + String.join(" ", cmd));
            }
            Map<String, String> row = parseBench(out);
            double gpu = number(row.get("device_mem_mib"));
            String what = "peak RSS of a fresh JVM (JVM + libtorch + trunk + largest step)"
                    + (Double.isNaN(gpu) ? "" : "; GPU memory in use on the device after the timed steps");
            return new Measurement(row.get("device"), number(row.get("train_img_s")), number(row.get("eval_img_s")),
                    number(row.get("peak_rss_mib")), gpu, what);
        } catch (IOException e) {
            throw new VptlabException("efficiency: " + describe(c, m) + ": cannot run a fresh JVM: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VptlabException("efficiency: interrupted while measuring " + describe(c, m), e);
        } finally {
            if (err != null) {
                try {
                    Files.deleteIfExists(err);
                } catch (IOException ignored) {
                    // a temp file left behind
                }
            }
        }
    }

    /** The command line of {@link #measureInFreshJvm} (java, JVM flags, classpath, {@code Main bench …}). */
    public static List<String> childCommand(VitConfig c, MethodConfig m, Settings s) {
        requireBenchable(c, m);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-Dai.djl.offline=" + System.getProperty("ai.djl.offline", "true"));
        Set<String> threadKeys = Set.of("ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads");
        for (String k : new TreeSet<>(System.getProperties().stringPropertyNames())) {
            if (k.startsWith("ai.djl.") && !k.equals("ai.djl.offline") && !(s.threads() > 0 && threadKeys.contains(k))) {
                cmd.add("-D" + k + "=" + System.getProperty(k));
            }
        }
        if (s.threads() > 0) {
            threadKeys.forEach(k -> cmd.add("-D" + k + "=" + s.threads()));
        }
        cmd.add("-cp");
        cmd.add(childClasspath());
        cmd.addAll(List.of("dev.vptlab.cli.Main", "bench", "--arch", c.name(), "--image", String.valueOf(c.imageSize()),
                "--method", m.method(), "--prompts", String.valueOf(m.prompts()), "--insert-block", String.valueOf(m.insertBlock()),
                "--batch", String.valueOf(s.batch()), "--classes", String.valueOf(s.classes()),
                "--warmup", String.valueOf(s.warmup()), "--steps", String.valueOf(s.steps())));
        return cmd;
    }

    /**
     * The classpath this library was loaded from, for a child JVM: the URLs of the class loader that loaded it when
     * that is a URL class loader holding it (a Jupyter kernel's jshell loader, which gets the kernel's classpath),
     * else {@code java.class.path}, in both cases with this library's own location added if missing.
     * The system property {@code vptlab.classpath} overrides it.
     */
    public static String childClasspath() {
        String forced = System.getProperty("vptlab.classpath");
        if (forced != null && !forced.isBlank()) {
            return forced;
        }
        String own = location(Efficiency.class);
        Set<String> fromLoaders = new LinkedHashSet<>();
        for (ClassLoader l = Efficiency.class.getClassLoader(); l != null; l = l.getParent()) {
            if (l instanceof URLClassLoader u) {
                for (URL url : u.getURLs()) {
                    if ("file".equals(url.getProtocol())) {
                        try {
                            fromLoaders.add(Path.of(url.toURI()).toString());
                        } catch (URISyntaxException | IllegalArgumentException e) {
                            // not a plain file: skip
                        }
                    }
                }
            }
        }
        Set<String> cp = new LinkedHashSet<>();
        if (own != null && fromLoaders.contains(own)) {
            cp.addAll(fromLoaders);
        } else {
            if (own != null) {
                cp.add(own);
            }
            cp.addAll(Arrays.asList(System.getProperty("java.class.path", "").split(File.pathSeparator)));
        }
        cp.remove("");
        return String.join(File.pathSeparator, cp);
    }

    private static String location(Class<?> k) {
        try {
            return Path.of(k.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static void requireBenchable(VitConfig c, MethodConfig m) {
        VitConfig preset = VitConfig.presets().get(c.name());
        if (preset == null || !preset.withImageSize(c.imageSize()).equals(c)) {
            throw new VptlabException("efficiency: a fresh JVM can only build presets (" + String.join(", ", VitConfig.presets().keySet())
                    + ", at any image size), not '" + c.name() + "' " + c + "; use Measure.IN_PROCESS");
        }
        MethodConfig plain = MethodConfig.of(m.method(), m.prompts()).withInsertBlock(m.insertBlock())
                .withCross(3, CrossVisualPrompts.Weights.SHARED_FROZEN);
        if (!plain.equals(m)) {
            throw new VptlabException("efficiency: a fresh JVM runs `vptlab bench`, which builds the method's defaults, not " + m
                    + "; use Measure.IN_PROCESS");
        }
    }

    /** The row {@code vptlab bench} printed under its header, by column name. */
    static Map<String, String> parseBench(String stdout) {
        String[] lines = stdout.split("\\R");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].trim().equals(Bench.HEADER)) {
                String[] names = Bench.HEADER.split(",", -1);
                String[] values = lines[i + 1].trim().split(",", -1);
                if (values.length != names.length) {
                    break;
                }
                Map<String, String> row = new HashMap<>();
                for (int j = 0; j < names.length; j++) {
                    row.put(names[j], values[j]);
                }
                return row;
            }
        }
        throw new VptlabException("efficiency: no bench row in the fresh JVM's output: " + tail(stdout, 10));
    }

    private static double number(String s) {
        return s == null || s.isBlank() ? Double.NaN : Double.parseDouble(s);
    }

    private static String tail(String s, int lines) {
        List<String> l = s.lines().toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
    }

    private static String describe(VitConfig c, MethodConfig m) {
        return m.method() + " with " + m.prompts() + " prompts on " + c.name() + " at " + c.imageSize() + " px";
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
                    Params params = parameters(vit, m, s.classes(), manager);
                    long macs = MethodMacs.forwardMacs(c, m);
                    Measurement r = switch (s.measure()) {
                        case NONE -> Measurement.none();
                        case IN_PROCESS -> measureInProcess(c, m, s);
                        case FRESH_JVM -> measureInFreshJvm(c, m, s);
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

    /**
     * The {@code vptlab bench} commands that measure {@link #table}'s rows one per process (e.g. on a GPU machine,
     * with {@code VPTLAB_CUDA=1}), appending to {@code csv}; {@link #withBenchCsv} reads that file back.
     */
    public static List<String> benchCommands(VitConfig c, List<String> methods, List<Integer> prompts, Settings s, Path csv) {
        List<String> out = new ArrayList<>();
        for (String name : methods) {
            for (int p : prompts) {
                out.add((s.threads() > 0 ? "VPTLAB_JAVA_OPTS='-Dai.djl.pytorch.num_threads=" + s.threads()
                        + " -Dai.djl.pytorch.num_interop_threads=" + s.threads() + "' " : "") + "./vptlab bench --arch " + c.name() + " --image " + c.imageSize() + " --method " + name + " --prompts " + p
                        + " --batch " + s.batch() + " --classes " + s.classes() + " --warmup " + s.warmup() + " --steps " + s.steps()
                        + " --csv " + csv);
            }
        }
        return out;
    }

    /**
     * {@code t} with its speed and memory columns filled from a CSV that {@code vptlab bench --csv} wrote (the
     * last row for the same arch, image, method, prompts and batch wins); rows with no match keep theirs. Returns
     * how many rows were filled.
     */
    public static int withBenchCsv(Table t, Path csv) {
        if (!Files.exists(csv)) {
            return 0;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(csv);
        } catch (IOException e) {
            throw new VptlabException(csv + ": cannot read: " + e.getMessage(), e);
        }
        if (lines.isEmpty() || !lines.get(0).trim().equals(Bench.HEADER)) {
            throw new VptlabException(csv + ": not a `vptlab bench --csv` file (its first line is not " + Bench.HEADER + ")");
        }
        Map<String, Map<String, String>> byKey = new HashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            if (!l.isBlank()) {
                Map<String, String> r = parseBench(Bench.HEADER + "\n" + l);
                byKey.put(String.join("|", r.get("arch"), r.get("image"), r.get("method"), r.get("prompts"), r.get("batch")), r);
            }
        }
        int filled = 0;
        for (Row row : t) {
            Map<String, String> r = byKey.get(String.join("|", row.getString("arch"), String.valueOf(row.getInt("image")),
                    row.getString("method"), String.valueOf(row.getInt("prompts")), String.valueOf(row.getInt("batch"))));
            if (r != null) {
                row.setString("device", r.get("device"));
                row.setDouble("train_img_s", number(r.get("train_img_s")));
                row.setDouble("eval_img_s", number(r.get("eval_img_s")));
                row.setDouble("peak_rss_mib", number(r.get("peak_rss_mib")));
                row.setDouble("gpu_mem_mib", number(r.get("device_mem_mib")));
                row.setString("memory", "from " + csv.getFileName() + ": peak RSS of the bench JVM"
                        + (r.get("device_mem_mib").isBlank() ? "" : "; GPU memory in use after the timed steps"));
                filled++;
            }
        }
        return filled;
    }

    // ------------------------------------------------------------------------------------------ charts

    /**
     * One line per method of {@code column} against the number of prompts (log x when the prompt counts span more
     * than a factor of ten); null when the column has no value.
     */
    public static XYChart chart(Table t, String column, String title, String yTitle) {
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        for (Row r : t) {
            double y = t.column(column) instanceof LongColumn ? r.getLong(column) : r.getNumber(column);
            if (!Double.isNaN(y)) {
                points.computeIfAbsent(r.getString("method"), k -> new ArrayList<>()).add(new double[] {r.getInt("prompts"), y});
            }
        }
        if (points.isEmpty()) {
            return null;
        }
        List<Charts.Series> series = new ArrayList<>();
        double minX = Double.MAX_VALUE;
        double maxX = 0;
        for (Map.Entry<String, List<double[]>> e : points.entrySet()) {
            List<double[]> ps = e.getValue();
            ps.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] x = ps.stream().mapToDouble(a -> a[0]).toArray();
            double[] y = ps.stream().mapToDouble(a -> a[1]).toArray();
            minX = Math.min(minX, x[0]);
            maxX = Math.max(maxX, x[x.length - 1]);
            series.add(new Charts.Series(e.getKey(), x, y));
        }
        return Charts.lines(title, "number of prompts P", yTitle, series, maxX / minX > 10);
    }

    /**
     * The notebook's figures, by key: trainable (trainable parameters), gflops (forward GFLOPs per image, with the
     * backbone alone as a line), train and eval (images/s), memory (GPU memory when measured, else peak RSS). Keys
     * whose column holds no value are left out.
     */
    public static Map<String, XYChart> charts(Table t) {
        String where = t.rowCount() == 0 ? "" : t.stringColumn("arch").get(0) + " " + t.intColumn("image").get(0) + " px";
        Map<String, XYChart> out = new LinkedHashMap<>();
        put(out, "trainable", chart(t, "trainable_params", "Trainable parameters (ours, counted), " + where, "trainable parameters"));
        XYChart flops = chart(t, "gflops", "GFLOPs per image (ours, computed), " + where, "GFLOPs (2 per multiply-add)");
        if (flops != null && t.rowCount() > 0) {
            VitConfig c = VitConfig.presets().get(t.stringColumn("arch").get(0));
            if (c != null) {
                double base = 2.0 * Macs.backbone(c.withImageSize(t.intColumn("image").get(0))) / 1e9;
                double[] x = t.intColumn("prompts").unique().sorted((a, b) -> a - b).asList().stream().mapToDouble(i -> i).toArray();
                double[] y = new double[x.length];
                Arrays.fill(y, base);
                flops.addSeries("backbone alone", x, y);
            }
        }
        put(out, "gflops", flops);
        String batch = t.rowCount() == 0 ? "" : ", batch " + t.intColumn("batch").get(0);
        put(out, "train", chart(t, "train_img_s", "Training images/s (ours, measured), " + where + batch, "images / s"));
        put(out, "eval", chart(t, "eval_img_s", "Inference images/s (ours, measured), " + where + batch, "images / s"));
        boolean gpu = t.doubleColumn("gpu_mem_mib").countMissing() < t.rowCount();
        put(out, "memory", gpu
                ? chart(t, "gpu_mem_mib", "GPU memory in use (ours), " + where + batch, "MiB")
                : chart(t, "peak_rss_mib", "Peak RSS of a fresh JVM (ours), " + where + batch, "MiB"));
        return out;
    }

    private static void put(Map<String, XYChart> out, String key, XYChart c) {
        if (c != null) {
            out.put(key, c);
        }
    }

    // ------------------------------------------------------------------------------------------ prose

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
     * The CVPT paper's efficiency claim as the secondary summary gives it (spec cvpt.md §12: at 200 prompts CVPT has
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

    // ------------------------------------------------------------------------------------------ the paper

    /** Names of CVPT's cross-attention weight variants as {@code cvpt_ablation.csv} writes them. */
    public static final Map<CrossVisualPrompts.Weights, String> PAPER_VARIANTS = Map.of(
            CrossVisualPrompts.Weights.SHARED_FROZEN, "shared + frozen CA (default)",
            CrossVisualPrompts.Weights.SHARED_LEARNABLE, "shared + learnable CA",
            CrossVisualPrompts.Weights.RANDOM_LEARNABLE, "random init + learnable CA",
            CrossVisualPrompts.Weights.RANDOM_FROZEN, "random init + frozen CA");

    /**
     * Our trainable counts of CVPT's four cross-attention weight variants, counted on models built on a random
     * {@code c} trunk with {@code prompts} prompts per block and a {@code classes}-way head, in millions, next to
     * the paper's {@code trainable_params_m} of {@code cvpt_ablation.csv} (column "paper: trainable_params_m";
     * a secondary source). Columns: variant, prompts, "ours: prompts + CA (M)" (without the head), "ours: with
     * head (M)", "paper: trainable_params_m", "ours rounded as the paper".
     */
    public static Table cvptWeightVariantsVsPaper(VitConfig c, int prompts, int classes) {
        Table paper = PaperTables.where("cvpt_ablation", "ablation", "cross-attention weights");
        Table t = Table.create("CVPT trainable parameters by cross-attention weights, " + c.name() + ", P = " + prompts
                + " (ours, counted) and the paper's (secondary source)");
        StringColumn variant = StringColumn.create("variant");
        IntColumn p = IntColumn.create("prompts");
        DoubleColumn noHead = DoubleColumn.create("ours: prompts + CA (M)");
        DoubleColumn withHead = DoubleColumn.create("ours: with " + classes + "-class head (M)");
        DoubleColumn paperM = DoubleColumn.create("paper: trainable_params_m");
        StringColumn agrees = StringColumn.create("ours rounded as the paper");
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(c, manager);
            for (CrossVisualPrompts.Weights w : CrossVisualPrompts.Weights.values()) {
                MethodConfig m = MethodConfig.of("cvpt", prompts).withCross(3, w);
                long all;
                long head;
                try (NDManager sub = manager.newSubManager()) {
                    PromptedVit model = m.model(vit, sub, Pooling.CLS, classes);
                    all = model.trainableCount();
                    head = model.parameterGroups().getOrDefault("head", 0L);
                }
                String name = PAPER_VARIANTS.get(w);
                double ours = (all - head) / 1e6;
                variant.append(name);
                p.append(prompts);
                noHead.append(ours);
                withHead.append(all / 1e6);
                Table match = paper.where(paper.stringColumn("variant").isEqualTo(name));
                double theirs = match.rowCount() == 0 ? Double.NaN : match.doubleColumn("trainable_params_m").get(0);
                paperM.append(theirs);
                if (Double.isNaN(theirs)) {
                    agrees.append("");
                } else {
                    int scale = Math.max(0, BigDecimal.valueOf(theirs).stripTrailingZeros().scale());
                    double rounded = BigDecimal.valueOf(ours).setScale(scale, java.math.RoundingMode.HALF_UP).doubleValue();
                    agrees.append(String.format(Locale.ROOT, "%." + scale + "f (%s)", rounded, rounded == theirs ? "same" : "differs"));
                }
            }
        }
        t.addColumns(variant, p, noHead, withHead, paperM, agrees);
        return t;
    }

    /** One sentence on how {@link #cvptWeightVariantsVsPaper}'s counts compare with the paper's (numbers from the table). */
    public static String paperComparison(Table variants) {
        int same = 0;
        int compared = 0;
        List<String> differ = new ArrayList<>();
        for (Row r : variants) {
            String a = r.getString("ours rounded as the paper");
            if (!a.isEmpty()) {
                compared++;
                if (a.endsWith("(same)")) {
                    same++;
                } else {
                    differ.add(r.getString("variant"));
                }
            }
        }
        String p = variants.rowCount() == 0 ? "?" : String.valueOf(variants.intColumn("prompts").get(0));
        return String.format(Locale.ROOT, "Rounded to the paper's precision, our counted prompts + cross-attention parameters "
                + "(head excluded, P = %s) equal the paper's trainable_params_m for %d of the %d variants it lists%s. The "
                + "paper's rows give no prompt count: the reference table's note infers it from the default variant's value.",
                p, same, compared, differ.isEmpty() ? "" : " (they differ for: " + String.join("; ", differ) + ")");
    }
}
