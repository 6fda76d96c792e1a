package dev.vptlab.report;

import dev.vptlab.VptlabException;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.MethodConfig;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Speed and memory of one configuration measured in a JVM of its own ({@link Efficiency.Measure#FRESH_JVM}):
 * {@link FreshJvmBench} started with this JVM's java, classpath and {@code ai.djl.*} properties, plus
 * {@code -Xmx1g -XX:+UseSerialGC}, and libtorch's thread count when {@link Efficiency.Settings#threads} is set; its
 * row ({@link BenchRow}) is read from its stdout. Besides the timing of {@link Bench#run}:
 * <ul>
 *   <li>{@code peak_rss_mib}: that JVM's peak resident set ({@code VmHWM} of {@code /proc/self/status}) when the
 *       bench ends: the JVM itself, libtorch's code, the random trunk, the prompts, and the activations,
 *       gradients and optimizer state of the largest step. The part that does not depend on the method or P
 *       (JVM + libtorch) is included; compare rows, not one row with the activations alone.</li>
 *   <li>{@code gpu_mem_mib} (GPU only): the memory in use on the whole device after the last timed step (CUDA's
 *       total − free): the CUDA context plus what PyTorch's caching allocator holds, which keeps its peak
 *       reservation (plus anything else running on that GPU).</li>
 * </ul>
 */
public final class FreshJvmLauncher {
    private FreshJvmLauncher() {}

    /**
     * Throughput and memory of one configuration in a fresh JVM (see the class comment). {@code c} must be a
     * preset (at any image size) and {@code m} the method's defaults (what {@link FreshJvmBench} builds).
     */
    public static Measurement measure(VitConfig c, MethodConfig m, Efficiency.Settings s) {
        List<String> cmd = command(c, m, s);
        Path err = null;
        try {
            err = Files.createTempFile("vptlab-efficiency", ".err");
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(s.timeoutSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new VptlabException("efficiency: " + describe(c, m) + ": the fresh JVM ran past " + s.timeoutSeconds() + " s");
            }
            if (p.exitValue() != 0) {
                throw new VptlabException("efficiency: " + describe(c, m) + ": the fresh JVM exited with " + p.exitValue() + ": "
                        + BenchRow.tail(Files.readString(err), 15) + "\ncommand: " + String.join(" ", cmd));
            }
            Map<String, String> row = BenchRow.fromStdout(out);
            double gpu = BenchRow.number(row.get("device_mem_mib"));
            String what = "peak RSS of a fresh JVM (JVM + libtorch + trunk + largest step)"
                    + (Double.isNaN(gpu) ? "" : "; GPU memory in use on the device after the timed steps");
            return new Measurement(row.get("device"), BenchRow.number(row.get("train_img_s")),
                    BenchRow.number(row.get("eval_img_s")), BenchRow.number(row.get("peak_rss_mib")), gpu, what);
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

    /** The command line of {@link #measure}: java, JVM flags, classpath, {@link FreshJvmBench} and its arguments. */
    public static List<String> command(VitConfig c, MethodConfig m, Efficiency.Settings s) {
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
        cmd.add(classpath());
        cmd.add(FreshJvmBench.class.getName());
        cmd.addAll(FreshJvmBench.args(c, m, s.batch(), s.classes(), s.warmup(), s.steps()));
        return cmd;
    }

    /**
     * The classpath this library was loaded from, for a child JVM: the URLs of the class loader that loaded it when
     * that is a URL class loader holding it (a Jupyter kernel's jshell loader, which gets the kernel's classpath),
     * else {@code java.class.path}, in both cases with this library's own location added if missing.
     * The system property {@code vptlab.classpath} overrides it.
     */
    public static String classpath() {
        String forced = System.getProperty("vptlab.classpath");
        if (forced != null && !forced.isBlank()) {
            return forced;
        }
        String own = location(FreshJvmLauncher.class);
        Set<String> fromLoaders = new LinkedHashSet<>();
        for (ClassLoader l = FreshJvmLauncher.class.getClassLoader(); l != null; l = l.getParent()) {
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
        if (!FreshJvmBench.methodConfig(m.id(), m.prompts(), m.insertBlock()).equals(m)) {
            throw new VptlabException("efficiency: a fresh JVM runs `vptlab bench`, which builds the method's defaults, not " + m
                    + "; use Measure.IN_PROCESS");
        }
    }

    private static String describe(VitConfig c, MethodConfig m) {
        return m.id() + " with " + m.prompts() + " prompts on " + c.name() + " at " + c.imageSize() + " px";
    }
}
