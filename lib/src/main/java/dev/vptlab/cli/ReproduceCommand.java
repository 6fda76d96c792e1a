package dev.vptlab.cli;

import dev.vptlab.VptlabException;
import dev.vptlab.reproduce.EmbeddedBackbones;
import dev.vptlab.reproduce.Reproduce;
import dev.vptlab.reproduce.SegmentationStudy;
import dev.vptlab.reproduce.StudyShards;
import dev.vptlab.train.Progress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
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

    @Option(names = "--workers", paramLabel = "N",
            description = "Run the study in N processes at once, one libtorch thread each (default: one per core, at most one "
                    + "per GiB of memory). Every run uses one thread however many workers there are, so N changes the wall "
                    + "time, not the numbers.")
    Integer workers;

    @Option(names = "--shard", hidden = true, description = "i/n: run only this worker's share of the study (set by --workers); stops when stdin ends.")
    String shard;

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
        List<SegmentationStudy.Job> seg = SegmentationStudy.plan(p, b, results, data.seed, segmentationSeeds);
        if (shard != null) {
            ReproduceWorkers.watchParent();
            Set<Path> mine = StudyShards.folders(jobs, seg, StudyShards.Shard.parse(shard));
            Reproduce.run(jobs.stream().filter(j -> mine.contains(j.folder())).toList(), data.dataRoot, progress, System.out);
            SegmentationStudy.run(seg.stream().filter(j -> mine.contains(j.folder())).toList(), data.dataRoot, progress, System.out);
            return 0;
        }
        long t0 = System.nanoTime();
        int n = Math.min(workers != null ? workers : defaultWorkers(), jobs.size() + seg.size());
        if (n < 1) {
            throw new VptlabException("--workers must be at least 1, got " + workers);
        }
        w.printf("%s profile: %d runs and %d segmentation runs into %s, %d at a time (one libtorch thread each)%n", profile,
                jobs.size(), seg.size(), results, n);
        w.flush();
        if (n > 1) {
            ReproduceWorkers.run(workerArgs(b, results), n, System.out);
            w.println("the workers ended; reading their runs");
        }
        Table t = Reproduce.run(jobs, data.dataRoot, progress, System.out);
        Reproduce.writeOutputs(t, results);
        Table methods = t.where(t.stringColumn("study").isEqualTo("methods"));
        if (!methods.isEmpty()) {
            w.println(methods.summarize("test_top1", AggregateFunctions.mean).by("backbone", "method").printAll());
        }
        w.printf("%d segmentation runs (fm-seg, the ADE20K protocol at CPU size)%n", seg.size());
        w.flush();
        Table s = SegmentationStudy.run(seg, data.dataRoot, progress, System.out);
        Table summary = SegmentationStudy.writeOutputs(s, results);
        w.println(s.printAll());
        if (segmentationSeeds > 1) {
            w.println(summary.printAll());
        }
        w.println("tables: " + results.resolve("tables") + "   plots: " + results.resolve("plots"));
        w.printf("the study took %.1f min (wall time of this command, %d at a time)%n", (System.nanoTime() - t0) / 60e9, n);
        return 0;
    }

    /**
     * One worker per core, but at most one per GiB of physical memory: a worker JVM peaks at about 0.7 GiB resident
     * (a mini segmentation run, measured with {@code /usr/bin/time}), and a many-core server may have less than that
     * per core.
     */
    static int defaultWorkers() {
        long gib = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() >> 30;
        return (int) Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), gib));
    }

    /** This command's arguments for a worker: the same study, with the backbones this process resolved. */
    private List<String> workerArgs(Reproduce.Backbones b, Path results) {
        return List.of("reproduce", "--profile", profile, "--out", results.toAbsolutePath().toString(), "--mae", b.mae().toAbsolutePath()
                .toString(), "--mocov3", b.mocov3().toAbsolutePath().toString(), "--supervised", b.supervised().toAbsolutePath().toString(),
                "--data-root", data.dataRoot.toAbsolutePath().toString(), "--seed", Long.toString(data.seed), "--segmentation-seeds",
                Integer.toString(segmentationSeeds), "--progress", progress.name());
    }

    /** The given file, else the embedded checkpoint, else (smoke only) a random-init trunk, said as such. */
    private Path backbone(String name, Path given, Reproduce.Profile p, Path results, PrintWriter w) {
        if (given != null) {
            // Read before any run starts, not when the first run of that backbone (perhaps in another worker) comes up.
            if (!java.nio.file.Files.isRegularFile(given)) {
                throw new VptlabException("--" + name + ": backbone checkpoint not found: " + given);
            }
            dev.vptlab.checkpoint.Checkpoint.read(given);
        }
        return given != null ? given : EmbeddedBackbones.extract(name, results.resolve("backbones"), p == Reproduce.Profile.SMOKE,
                msg -> w.println("note: smoke profile: " + msg));
    }
}
