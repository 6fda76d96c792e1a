package dev.vptlab.cli;

import dev.vptlab.VptlabException;
import dev.vptlab.reproduce.EmbeddedBackbones;
import dev.vptlab.reproduce.Reproduce;
import dev.vptlab.train.Progress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tech.tablesaw.aggregate.AggregateFunctions;
import tech.tablesaw.api.Table;

/** {@code vptlab reproduce --profile smoke|quick}: the embedded study on the mini benchmark. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = "Run the embedded study (block location; VPT, Gated PT, CVPT) on the Fashion-MNIST mini benchmark.")
final class ReproduceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--profile", defaultValue = "quick", description = "smoke or quick (default ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--out", description = "Results folder (default results/<profile>).")
    Path out;

    @Option(names = "--mae", description = "MAE tiny trunk (default: the embedded checkpoint).")
    Path mae;

    @Option(names = "--mocov3", description = "MoCo v3 tiny trunk (default: the embedded checkpoint).")
    Path mocov3;

    @Option(names = "--supervised", description = "Supervised tiny trunk (default: the embedded checkpoint).")
    Path supervised;

    @picocli.CommandLine.Mixin
    MiniDataOptions data = new MiniDataOptions();

    @Option(names = "--segmentation-seeds", defaultValue = "1", paramLabel = "N",
            description = "quick: run the segmentation study for N seeds (--seed, --seed + 1, ...) and write its summary over "
                    + "them (mean, sd, paired difference from head only); default ${DEFAULT-VALUE}. Runs already made are reused.")
    int segmentationSeeds;

    @Option(names = "--progress", defaultValue = "QUIET", description = "${COMPLETION-CANDIDATES} per run (default ${DEFAULT-VALUE}).")
    Progress.Mode progress;

    @Override
    public Integer call() {
        Reproduce.Profile p = switch (profile) {
            case "smoke" -> Reproduce.Profile.SMOKE;
            case "quick" -> Reproduce.Profile.QUICK;
            default -> throw new VptlabException("unknown profile '" + profile + "'; known: smoke, quick (paper-scale runs go through train/sweep)");
        };
        Path results = out != null ? out : Path.of("results", profile);
        PrintWriter w = spec.commandLine().getOut();
        Reproduce.Backbones b = new Reproduce.Backbones(backbone("mae", mae, p, results, w), backbone("mocov3", mocov3, p, results, w),
                backbone("supervised", supervised, p, results, w));
        List<Reproduce.Job> jobs = Reproduce.plan(p, b, results, data.seed);
        w.printf("%s profile: %d runs into %s%n", profile, jobs.size(), results);
        w.flush();
        Table t = Reproduce.run(jobs, data.dataRoot, progress, System.out);
        Reproduce.writeOutputs(t, results);
        Table methods = t.where(t.stringColumn("study").isEqualTo("methods"));
        if (!methods.isEmpty()) {
            w.println(methods.summarize("test_top1", AggregateFunctions.mean).by("backbone", "method").printAll());
        }
        List<dev.vptlab.reproduce.SegmentationStudy.Job> seg = dev.vptlab.reproduce.SegmentationStudy.plan(p, b, results, data.seed,
                segmentationSeeds);
        w.printf("%d segmentation runs (fm-seg, the ADE20K protocol at CPU size)%n", seg.size());
        w.flush();
        Table s = dev.vptlab.reproduce.SegmentationStudy.run(seg, data.dataRoot, progress, System.out);
        Table summary = dev.vptlab.reproduce.SegmentationStudy.writeOutputs(s, results);
        w.println(s.printAll());
        if (segmentationSeeds > 1) {
            w.println(summary.printAll());
        }
        w.println("tables: " + results.resolve("tables") + "   plots: " + results.resolve("plots"));
        return 0;
    }

    /** The given file, else the embedded checkpoint, else (smoke only) a random-init trunk, said as such. */
    private Path backbone(String name, Path given, Reproduce.Profile p, Path results, PrintWriter w) {
        return given != null ? given : EmbeddedBackbones.extract(name, results.resolve("backbones"), p == Reproduce.Profile.SMOKE,
                msg -> w.println("note: smoke profile: " + msg));
    }
}
