package dev.vptlab.cli;

import dev.vptlab.prompt.PromptDropout;
import dev.vptlab.prompt.VptShallow;
import dev.vptlab.data.Splits;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.task.DataSources;
import dev.vptlab.data.InMemory;
import dev.vptlab.data.LoadOptions;
import dev.vptlab.data.PipelineBenchmark;
import dev.vptlab.data.Pipelines;
import dev.vptlab.data.Vtab1k;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.report.BenchCsv;
import dev.vptlab.report.BenchRow;
import dev.vptlab.report.FreshJvmBench;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunConfig;
import dev.vptlab.train.RunSeries;
import dev.vptlab.train.Trainer;
import dev.vptlab.util.Csv;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vptlab bench}: training and evaluation throughput and peak memory of one configuration, as one
 * table row. Weights are random (speed does not depend on them). Times are the median of several
 * timed steps after warm-up steps; the training step is forward + backward + optimizer update
 * ({@link FreshJvmBench#measure}, which {@link dev.vptlab.report.Efficiency} runs in a fresh JVM per
 * configuration). {@code peak_rss_mib} is this process's peak resident set ({@code VmHWM}) at the end;
 * {@code device_mem_mib} is the GPU memory in use (GPU only). The row's format is {@link BenchRow}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure training/eval images/s and peak memory.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--arch", defaultValue = "vit_b16", description = "Backbone preset (default ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--method", defaultValue = "vpt-deep", description = "vpt-shallow, vpt-deep, gated or cvpt.")
    String method;

    @Option(names = "--prompts", defaultValue = "10")
    int prompts;

    @Option(names = "--insert-block", defaultValue = "1", description = "vpt-shallow: insertion block (the prefix runs without gradient).")
    int insertBlock;

    @Option(names = "--batch", defaultValue = "32")
    int batch;

    @Option(names = "--image", description = "Input side (default: the preset's).")
    Integer image;

    @Option(names = "--classes", defaultValue = "100")
    int classes;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "5", description = "Timed steps; the median is reported (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--segmentation", paramLabel = "RECIPE", description = "Time an ADE20K SETR-PUP model instead (gated,"
            + " vpt-deep, vpt-shallow, cvpt, head-only) at --image (default 512) and --batch: training iterations and"
            + " inference forwards, peak memory, the analytic FLOPs.")
    String segmentation;

    @Option(names = "--csv", description = "Append the row to this CSV file (written atomically).")
    Path csv;

    @Option(names = "--sweep", description = "Time the block-location sweep (VPT-shallow, k = 1..L) with and without the "
            + "frozen-prefix cache: real training runs (Gated PT protocol, val and test every epoch) on synthetic data.")
    boolean sweep;

    @Option(names = "--data", description = "Measure the input pipeline instead: 1,000 synthetic JPEGs, VTAB-style "
            + "(decoded once, cached) and FGVC-style (decoded and augmented every pass), at --image px (default 224).")
    boolean data;

    @Option(names = "--epochs", defaultValue = "2", description = "--sweep: epochs per run (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--split-sizes", defaultValue = "256,64,128", split = ",", description = "--sweep: synthetic train, val "
            + "and test images (default ${DEFAULT-VALUE}; VTAB-1K has 1000, 200 and 711 to 73,728).")
    int[] splitSizes;

    @Option(names = "--sweep-data", defaultValue = "memory", description = "--sweep: 'memory' (images made once and kept: "
            + "the model's cost alone) or 'vtab' (JPEGs of --jpeg-side px in the VTAB-1K layout, opened as a VTAB task is: "
            + "splits of up to 2,000 images decoded once, larger test splits decoded every epoch). Default ${DEFAULT-VALUE}.")
    String sweepData;

    @Option(names = "--jpeg-side", defaultValue = "256", description = "--sweep-data vtab: side of the JPEGs (default ${DEFAULT-VALUE}).")
    int jpegSide;

    @Override
    public Integer call() throws IOException {
        VitConfig c = VitConfig.named(arch);
        if (image != null) {
            c = c.withImageSize(image);
        }
        if (segmentation != null) {
            VitConfig base = VitConfig.named(arch);
            int side = image == null ? 512 : image;
            dev.vptlab.seg.SegConfig cfg = dev.vptlab.seg.SegRecipes.ade20k(segmentation, "(random weights)", "-")
                    .with(b -> {
                        b.taps = dev.vptlab.seg.SegRecipes.taps(base.depth());
                        b.crop = side;
                        b.stride = Math.min(b.stride, side);
                    });
            dev.vptlab.report.SegmentationBench.Result r = dev.vptlab.report.SegmentationBench.run(base, cfg, batch, warmup, steps);
            spec.commandLine().getOut().println(r.describe());
            return 0;
        }
        if (sweep) {
            return sweep(c);
        }
        if (data) {
            PipelineBenchmark.Result r = PipelineBenchmark.run(1000, 320, image == null ? 224 : image, batch);
            PrintWriter out = spec.commandLine().getOut();
            out.println(Csv.record(List.of("pipeline", "images", "side", "open_decode_transform_img_s", "cached_batches_img_s",
                    "on_the_fly_fgvc_img_s")));
            out.println(Csv.record(List.of("jpeg320", String.format("%d", r.images()), String.format("%d", r.side()),
                    String.format("%.0f", r.openImagesPerSecond()), String.format("%.0f", r.cachedBatchImagesPerSecond()),
                    String.format("%.0f", r.onTheFlyImagesPerSecond()))));
            return 0;
        }
        BenchRow row = FreshJvmBench.measure(arch, c, FreshJvmBench.methodConfig(method, prompts, insertBlock), batch, classes,
                warmup, steps);
        spec.commandLine().getOut().println(BenchRow.HEADER);
        spec.commandLine().getOut().println(row.record());
        if (csv != null) {
            BenchCsv.append(csv, row);
        }
        return 0;
    }

    /**
     * Cached / uncached cost of the sweep k = 1..depth when the cache saves exactly the forward passes of
     * blocks 1..k-1 (README, Benchmarks), in block-forwards: uncached, every epoch runs all blocks forward
     * and the backward of blocks k..depth over the training images, and all blocks over the evaluated
     * ones; cached, each run carries the previous run's cache on by one block, then runs blocks k..depth.
     */
    static double prefixOnlyRatio(int depth, long train, long evalPerEpoch, int epochs, double backward) {
        double cached = 0;
        double uncached = 0;
        for (int k = 1; k <= depth; k++) {
            int suffix = depth - k + 1;
            uncached += epochs * (train * (depth + backward * suffix) + evalPerEpoch * depth);
            cached += (train + evalPerEpoch) * Math.min(1, k - 1) + epochs * (train * (1 + backward) * suffix + evalPerEpoch * suffix);
        }
        return cached / uncached;
    }

    /** The sweep's splits, made once and shared by both sweeps. */
    private Splits sweepSplits(VitConfig c, Path dir) throws IOException {
        switch (sweepData) {
            case "memory" -> {
                // Made once and kept, so that both sweeps time the model, not image generation.
                Splits made = DataSources.synthetic(c.imageSize(), c.inChannels(), 10, 42, splitSizes[0], splitSizes[1],
                        splitSizes[2]);
                return new Splits(InMemory.of(made.train()), InMemory.of(made.val()), InMemory.of(made.test()));
            }
            case "vtab" -> {
                // Gated PT's protocol on VTAB-1K: train on train800val200, validate on val200 (its first images), test on test.
                Path trainList = PipelineBenchmark.writeJpegs(dir, "train800val200", splitSizes[0], jpegSide, 10, 1);
                Files.write(dir.resolve("val200.txt"), Files.readAllLines(trainList).subList(0, splitSizes[1]));
                PipelineBenchmark.writeJpegs(dir, "test", splitSizes[2], jpegSide, 10, 2);
                return Vtab1k.open(dir, "svhn", Pipelines.gatedVtab(c.imageSize()), LoadOptions.DEFAULT);
            }
            default -> throw new ParameterException(spec.commandLine(), "--sweep-data is 'memory' or 'vtab', not '" + sweepData + "'");
        }
    }

    /** Both sweeps on the same random trunk and data; prints per-k wall times and the ratio. */
    private int sweep(VitConfig c) throws IOException {
        if (splitSizes.length != 3 || Math.min(splitSizes[0], Math.min(splitSizes[1], splitSizes[2])) < 1) {
            throw new ParameterException(spec.commandLine(), "--split-sizes takes three positive image counts: train,val,test");
        }
        if (!sweepData.equals("memory") && !sweepData.equals("vtab")) {
            throw new ParameterException(spec.commandLine(), "--sweep-data is 'memory' or 'vtab', not '" + sweepData + "'");
        }
        if (sweepData.equals("vtab") && splitSizes[1] > splitSizes[0]) {
            throw new ParameterException(spec.commandLine(), "--sweep-data vtab: val200 is part of train800val200, so the val "
                    + "size cannot exceed the train size");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("vptlab-sweep-bench");
        Path trunk = dir.resolve("trunk.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            VisionTransformer vit = VisionTransformer.create(c, m);
            Map<String, RawTensor> w = new LinkedHashMap<>();
            vit.namedParameters().forEach((k, p) -> w.put(k, RawTensor.ofFloats(p.getArray().getShape().getShape(),
                    p.getArray().toFloatArray())));
            Safetensors.write(trunk, w, Map.of(Checkpoint.META_NUM_HEADS, String.valueOf(c.numHeads()), Checkpoint.META_ARCH, c.name()));
        }
        out.printf("block-location sweep, %s at %d px, %d prompts, batch %d, %d epochs per run, synthetic %d/%d/%d images, %s%n",
                c.name(), c.imageSize(), prompts, batch, epochs, splitSizes[0], splitSizes[1], splitSizes[2],
                sweepData.equals("vtab") ? "JPEGs of " + jpegSide + " px in the VTAB-1K layout" : "in memory");
        out.println("k,seconds_cached,seconds_uncached");
        double[] total = new double[2];
        Splits splits = sweepSplits(c, dir.resolve("data"));
        // As `vptlab sweep block-location` runs it: one series, whose caches each cached run carries on by one block.
        try (RunSeries series = new RunSeries(null)) {
            for (int k = 1; k <= c.depth(); k++) {
                double[] secs = new double[2];
                for (int variant = 0; variant < 2; variant++) {
                    RunConfig rc = RunConfig.gated().task("synthetic").backbone(trunk.toString())
                            .numClasses(10).method(new VptShallow.Config(prompts, k, PromptDropout.DEFAULT_RATE)).epochs(epochs)
                            .warmupEpochs(Math.min(1, epochs - 1)).batchSize(batch).lr(0.05).prefixCache(variant == 0).build();
                    long t0 = System.nanoTime();
                    Path runDir = dir.resolve("k" + k + "-" + variant);
                    Progress quiet = new Progress(Progress.Mode.QUIET, System.err);
                    if (variant == 0) {
                        series.run(rc, splits, runDir, quiet, false);
                    } else {
                        new Trainer(rc, splits, runDir, quiet).run(false); // outside the series, which it would empty
                    }
                    secs[variant] = (System.nanoTime() - t0) / 1e9;
                    total[variant] += secs[variant];
                }
                out.printf("%d,%.2f,%.2f%n", k, secs[0], secs[1]);
                out.flush();
            }
        }
        out.printf("total,%.2f,%.2f%ncached/uncached = %.3f%n", total[0], total[1], total[0] / total[1]);
        long eval = splitSizes[1] + splitSizes[2];
        out.printf("if the cache saved exactly the prefix's forward passes (equal block costs, a block's backward 1-2x its "
                + "forward): %.3f-%.3f%n", prefixOnlyRatio(c.depth(), splitSizes[0], eval, epochs, 1),
                prefixOnlyRatio(c.depth(), splitSizes[0], eval, epochs, 2));
        return 0;
    }
}
