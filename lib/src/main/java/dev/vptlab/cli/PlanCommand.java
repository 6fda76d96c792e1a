package dev.vptlab.cli;

import dev.vptlab.VptlabException;
import dev.vptlab.plan.GpuHours;
import dev.vptlab.plan.Plan;
import dev.vptlab.plan.PlanEntry;
import dev.vptlab.plan.Reproductions;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.train.RunConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vptlab plan NAME}: a paper's reproduction expanded into a plan file, one entry per run with its exact
 * {@code train} command; {@code plan run}, {@code plan status} and {@code plan slurm} carry it out.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Expand a paper reproduction into a plan of train runs (then: plan run / status / slurm).",
        subcommands = {PlanRunCommand.class, PlanStatusCommand.class, PlanSlurmCommand.class})
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "block-location, gated-vtab, gated-fgvc, cvpt-vtab, cvpt-fgvc,"
            + " gated-ablation-gates, gated-fewer-tokens, cvpt-ablation, gated-ade20k or cvpt-ade20k.")
    String name;

    @Option(names = "--backbones", split = ",", description = "mae, mocov3, supervised; vitl-in21k for the ADE20K plans (default: the paper's).")
    List<String> backbones;

    @Option(names = "--tasks", split = ",", description = "Task keys (default: all of the benchmark).")
    List<String> tasks;

    @Option(names = "--seeds", defaultValue = "1", description = "Seeds per run: the recipe's seed, then the next ones (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--out", description = "The runs' root: one folder per run (required).")
    Path out;

    @Option(names = "--checkpoints", defaultValue = "checkpoints", description = "Folder with the backbone files (default ${DEFAULT-VALUE}).")
    Path checkpoints;

    @Option(names = "--data-root", defaultValue = "data", description = "Folder holding the prepared datasets (default ${DEFAULT-VALUE}).")
    Path dataRoot;

    @Option(names = "--set", paramLabel = "OPTION=VALUE",
            description = "A train option for every run, e.g. --set epochs=1 --set train-limit=64 (a flag: --set no-prefix-cache=).")
    Map<String, String> set = new TreeMap<>();

    @Option(names = "--assumed-tflops", defaultValue = "" + GpuHours.DEFAULT_TFLOPS,
            description = "Sustained TFLOP/s behind the GPU-hour estimate (default ${DEFAULT-VALUE}).")
    double assumedTflops;

    @Option(names = "--plan", description = "Plan file to write (default <out>/plan-<NAME>.json).")
    Path planFile;

    @Option(names = "--json", description = "Print the plan's JSON instead of the table.")
    boolean json;

    @Override
    public Integer call() {
        // Not required by picocli: the subcommands (plan run PLAN, ...) must parse without them.
        if (name == null || out == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "plan needs NAME and --out (or a subcommand: run, status, slurm)");
        }
        if (seeds < 1) {
            throw new VptlabException("--seeds must be at least 1, got " + seeds);
        }
        Plan plan = build();
        Path file = planFile != null ? planFile : out.resolve("plan-" + name + ".json");
        plan.write(file);
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.print(plan.toJson());
        } else {
            w.print(table(plan));
            w.printf(Locale.ROOT, "%d runs, estimate %.1f GPU-hours in all (assumed %.0f TFLOP/s sustained; not measured)%nplan: %s%n",
                    plan.entries().size(), plan.estimatedGpuHours(), assumedTflops, file);
        }
        w.flush();
        return 0;
    }

    Plan build() {
        GpuHours hours = new GpuHours(assumedTflops);
        List<String> bbs = backbones != null ? backbones : Reproductions.defaultBackbones(name);
        List<String> ts = tasks != null ? tasks : Reproductions.defaultTasks(name);
        List<String> extra = new ArrayList<>();
        new TreeMap<>(set).forEach((k, v) -> {
            extra.add("--" + k);
            if (!v.isEmpty()) {
                extra.add(v);
            }
        });
        List<PlanEntry> entries = new ArrayList<>();
        // Seeds innermost but one: the competing lrs of one seed stay together, sharing their splits and caches.
        List<Reproductions.Draft> drafts = Reproductions.expand(name, bbs, ts, checkpoints, dataRoot);
        java.util.LinkedHashMap<String, List<Reproductions.Draft>> byResult = new java.util.LinkedHashMap<>();
        for (Reproductions.Draft d : drafts) {
            byResult.computeIfAbsent(d.select() != null ? d.select() : d.key(), k -> new ArrayList<>()).add(d);
        }
        for (List<Reproductions.Draft> group : byResult.values()) {
            for (int s = 0; s < seeds; s++) {
                for (Reproductions.Draft d : group) {
                    List<String> args = new ArrayList<>(d.args());
                    args.addAll(extra);
                    // A segmentation run is resolved once (its recipe reads the checkpoint's depth when the file is there).
                    SegConfig segBase = parse(args).options.segmentation() ? segConfig(args) : null;
                    long seed = (segBase != null ? segBase.seed() : config(args).seed()) + s;
                    String id = d.key() + "-s" + seed;
                    Path folder = out.resolve(id);
                    args.addAll(List.of("--seed", String.valueOf(seed), "--out", folder.toString()));
                    String select = d.select() == null ? null : d.select() + "-s" + seed;
                    if (segBase != null) {
                        // What segConfig(args) gives now that --seed is among them, without reading the file again.
                        SegConfig cfg = segBase.with(b -> b.seed = seed);
                        entries.add(new PlanEntry(id, select, folder.toString(), args, cfg.toMap(),
                                Math.round(hours.of(cfg) * 1000) / 1000.0));
                    } else {
                        RunConfig cfg = config(args);
                        entries.add(new PlanEntry(id, select, folder.toString(), args, cfg.toMap(),
                                Math.round(hours.of(cfg) * 1000) / 1000.0));
                    }
                }
            }
        }
        return new Plan(name, dataRoot.toString(), assumedTflops, entries);
    }

    /** What {@code vptlab train} makes of {@code args}: the plan holds no config that train would not. */
    static RunConfig config(List<String> args) {
        return parse(args).options.config();
    }

    /** What {@code vptlab train} makes of the arguments of a segmentation run ({@code --task ade20k} or {@code fm-seg}). */
    static SegConfig segConfig(List<String> args) {
        TrainCommand t = parse(args);
        if (!t.options.segmentation()) {
            throw new VptlabException("not a segmentation run: --task " + t.options.task);
        }
        return t.options.segConfig();
    }

    private static TrainCommand parse(List<String> args) {
        TrainCommand t = new TrainCommand();
        List<String> withOut = new ArrayList<>(args);
        if (!withOut.contains("--out")) {
            withOut.addAll(List.of("--out", "unused"));
        }
        try {
            new CommandLine(t).parseArgs(withOut.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new VptlabException("not a train command: " + e.getMessage(), e);
        }
        return t;
    }

    static String table(Plan plan) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-5s %-44s %8s  %s%n", "#", "run", "est. GPU-h", "command"));
        for (int i = 0; i < plan.entries().size(); i++) {
            PlanEntry e = plan.entries().get(i);
            b.append(String.format(Locale.ROOT, "%-5d %-44s %10.3f  %s%n", i, e.id(), e.estimatedGpuHours(), e.command()));
        }
        return b.toString();
    }
}
