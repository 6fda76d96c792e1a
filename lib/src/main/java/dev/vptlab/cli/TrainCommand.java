package dev.vptlab.cli;

import dev.vptlab.VptlabException;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunConfig;
import dev.vptlab.train.RunRecord;
import dev.vptlab.train.RunSeries;
import dev.vptlab.train.TorchThreads;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vptlab train}: one run, recorded in its own folder; {@code --resume} continues a killed run. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a prompt method on a task and record the run.")
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainOptions options = new TrainOptions();

    @Option(names = "--out", required = true, description = "Run folder (record.json, metrics.csv, checkpoints).")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint.")
    boolean resume;

    @Option(names = "--allow-changed", split = ",", paramLabel = "FIELD",
            description = "With --resume: continue although these fields differ from the run's (lr, schedule, warmup_epochs),"
                    + " e.g. a lower --lr after a NaN stop; the record lists each change.")
    List<String> allowChanged = List.of();

    @Option(names = "--threads", paramLabel = "N",
            description = "libtorch intra-op threads (default: the engine's, one per core). The last bits of a CPU run depend on "
                    + "it; vptlab reproduce runs every run with 1, so --threads 1 repeats one of its runs bit for bit.")
    Integer threads;

    @Override
    public Integer call() {
        return TorchThreads.during(threads, this::train);
    }

    private int train() {
        PrintWriter w = spec.commandLine().getOut();
        if (options.segmentation()) {
            if (!allowChanged.isEmpty()) {
                throw new VptlabException("--allow-changed applies to classification runs only");
            }
            RunRecord r = dev.vptlab.seg.SegTrainer.train(options.segConfig(), options.dataRoot, out,
                    new Progress(options.progress, System.err), resume);
            w.println(segmentationSummary(r));
            return 0;
        }
        RunConfig cfg = options.config();
        if (!allowChanged.isEmpty() && !resume) {
            throw new VptlabException("--allow-changed applies to --resume only");
        }
        RunRecord r = run(cfg, options, out, resume, allowChanged);
        w.println(summary(r));
        return 0;
    }

    static RunRecord run(RunConfig cfg, TrainOptions options, Path out, boolean resume, List<String> allowChanged) {
        try (RunSeries one = new RunSeries(options.dataRoot, options.loadOptions())) {
            return one.run(cfg, out, new Progress(options.progress, System.err), resume, allowChanged);
        }
    }

    /** The one line a finished (or stopped) segmentation run ends with. */
    static String segmentationSummary(RunRecord r) {
        boolean val = Double.isNaN(r.lastTestMiou()) && !Double.isNaN(r.lastValMiou());
        return String.format(java.util.Locale.ROOT, "%s: %s after %d evaluation periods; %s mIoU %.2f, %.1f s", r.runId(),
                r.status(), r.epochs().size(), val ? "val" : "test", val ? r.lastValMiou() : r.lastTestMiou(), r.wallSeconds());
    }

    /** Shown skipped images at most; the record lists them all. */
    static final int SHOWN_SKIPPED = 5;

    static String summary(RunRecord r) {
        String s = String.format("%s: %s after %d epochs; last test top-1 %.2f, test top-1 at best val %.2f, best test top-1 %.2f, %.1f s",
                r.runId(), r.status(), r.epochs().size(), r.lastTestTop1(), r.testTop1AtBestVal(), r.bestTestTop1(), r.wallSeconds());
        List<String> skipped = r.skippedImages();
        if (skipped.isEmpty()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s).append("; ").append(skipped.size()).append(" corrupt image(s) skipped")
                .append(skipped.size() > SHOWN_SKIPPED ? " (first " + SHOWN_SKIPPED + "; all in record.json):" : ":");
        skipped.stream().limit(SHOWN_SKIPPED).forEach(k -> b.append("\n  ").append(k));
        return b.toString();
    }
}
