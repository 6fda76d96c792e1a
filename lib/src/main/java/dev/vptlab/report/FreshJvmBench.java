package dev.vptlab.report;

import dev.vptlab.VptlabException;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.MethodConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark of one configuration as a process of its own measures it: {@link #measure} is what
 * {@code vptlab bench} runs, and {@link #main} is the program {@link FreshJvmLauncher} starts in a new JVM per
 * configuration, so that the peak resident set is that configuration's alone.
 *
 * <p>The protocol with the launcher is here and in {@link BenchRow}: the launcher passes {@link #args} (every
 * option required); the child prints {@link BenchRow#HEADER} and the measured row on stdout and exits with 0, or
 * prints "vptlab: " and the error on stderr and exits with 1.
 */
public final class FreshJvmBench {
    private static final List<String> OPTIONS = List.of("--arch", "--image", "--method", "--prompts", "--insert-block",
            "--batch", "--classes", "--warmup", "--steps");

    private FreshJvmBench() {}

    /**
     * The configuration {@code vptlab bench} builds for {@code method}: the method's defaults with {@code prompts},
     * and, for a method with an insert block (VPT-shallow), entering before block {@code insertBlock}.
     */
    public static MethodConfig methodConfig(String method, int prompts, int insertBlock) {
        MethodConfig m = MethodConfig.of(method, prompts);
        if (insertBlock != 1 && !m.settings().containsKey("insert_block")) {
            throw new dev.vptlab.VptlabException("--insert-block does not apply to " + method);
        }
        return m.withSettings(java.util.Map.of("insert_block", insertBlock));
    }

    /**
     * Measures {@code m} on a random {@code c} trunk in this JVM ({@link Bench#run}), then reads this process's
     * peak resident set; {@code arch} is the name the row gives the trunk.
     */
    public static BenchRow measure(String arch, VitConfig c, MethodConfig m, int batch, int classes, int warmup, int steps) {
        Bench.Result r = Bench.run(c, m, batch, classes, warmup, steps);
        double peakRss = Bench.peakRssMiB();
        return new BenchRow(arch, m.id(), m.prompts(), m.insertBlock(), batch, c.imageSize(), r.device(),
                r.trainImagesPerSecond(), r.evalImagesPerSecond(), peakRss, r.deviceMemoryMiB());
    }

    /** The arguments of {@link #main} that measure {@code m} on preset {@code c} (at its image size). */
    static List<String> args(VitConfig c, MethodConfig m, int batch, int classes, int warmup, int steps) {
        return List.of("--arch", c.name(), "--image", String.valueOf(c.imageSize()), "--method", m.id(),
                "--prompts", String.valueOf(m.prompts()), "--insert-block", String.valueOf(m.insertBlock()),
                "--batch", String.valueOf(batch), "--classes", String.valueOf(classes),
                "--warmup", String.valueOf(warmup), "--steps", String.valueOf(steps));
    }

    /** Measures the configuration {@link #args} describe and prints it (see the class comment). */
    public static void main(String[] args) {
        int code;
        try {
            Map<String, String> o = options(args);
            String arch = o.get("--arch");
            VitConfig c = VitConfig.named(arch).withImageSize(integer(o, "--image"));
            MethodConfig m = methodConfig(o.get("--method"), integer(o, "--prompts"), integer(o, "--insert-block"));
            BenchRow row = measure(arch, c, m, integer(o, "--batch"), integer(o, "--classes"), integer(o, "--warmup"),
                    integer(o, "--steps"));
            System.out.println(BenchRow.HEADER);
            System.out.println(row.record());
            code = 0;
        } catch (VptlabException e) {
            System.err.println("vptlab: " + e.getMessage());
            code = 1;
        } catch (RuntimeException | Error e) {
            e.printStackTrace();
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!OPTIONS.contains(args[i]) || i + 1 == args.length) {
                throw new VptlabException("fresh-JVM bench: expected " + String.join(" N ", OPTIONS) + " N, got " + List.of(args));
            }
            o.put(args[i], args[i + 1]);
        }
        if (!o.keySet().containsAll(OPTIONS)) {
            throw new VptlabException("fresh-JVM bench: every option is required: " + String.join(", ", OPTIONS) + "; got "
                    + List.of(args));
        }
        return o;
    }

    private static int integer(Map<String, String> o, String option) {
        try {
            return Integer.parseInt(o.get(option));
        } catch (NumberFormatException e) {
            throw new VptlabException("fresh-JVM bench: " + option + " takes an integer, not '" + o.get(option) + "'");
        }
    }
}
