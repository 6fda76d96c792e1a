package dev.vptlab.notebook;

import ai.djl.engine.Engine;
import dev.vptlab.VptlabException;
import dev.vptlab.data.FashionMnist;
import dev.vptlab.report.Show;
import dev.vptlab.reproduce.EmbeddedBackbones;
import dev.vptlab.reproduce.Reproduce;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunConfig;
import dev.vptlab.train.RunFolder;
import dev.vptlab.train.RunRecord;
import dev.vptlab.train.RunSeries;
import dev.vptlab.train.Runs;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tech.tablesaw.api.Table;

/**
 * What a notebook's first cell sets up: the profile, where results, data and checkpoints are, and a check
 * that everything the profile needs is there, so a missing dataset, checkpoint or GPU is said in the first
 * cell, with how to get it, instead of failing twenty cells later.
 *
 * <p>Profiles: {@code smoke} (tests: every study cut to seconds), {@code quick} (the embedded default: the
 * mini benchmark with the tiny trunks shipped in the library, on a laptop CPU) and {@code paper} (real
 * data and checkpoints on a GPU: long runs go through the CLI; notebooks load their run records when
 * present and otherwise show the exact command). Locations come from the environment ({@code VPTLAB_PROFILE},
 * {@code VPTLAB_RESULTS}, {@code VPTLAB_DATA}, {@code VPTLAB_CHECKPOINTS}) unless given.
 *
 * <p>Long because it is the notebooks' single entry point (profiles, folders, runs, tables); each method is a
 * short delegation to the library.
 */
public final class Lab {
    /** How much a notebook runs. */
    public enum Profile {
        SMOKE, QUICK, PAPER;

        public static Profile of(String name) {
            for (Profile p : values()) {
                if (p.name().equalsIgnoreCase(name.trim())) {
                    return p;
                }
            }
            throw new VptlabException("unknown profile '" + name + "'; known: smoke, quick, paper");
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One line of the first cell's check: what, where, found or not, and how to get it when not. */
    public record Check(String what, String where, boolean ok, String howToGet) {}

    private final Profile profile;
    private final Path results;
    private final Path data;
    private final Path checkpoints;
    private final List<Check> checks;
    private final long seed;
    /** The notebook's runs share opened splits and frozen-prefix caches (a notebook's sweep carries them on). */
    private final RunSeries series;
    private Reproduce.Backbones backbones;

    private Lab(Profile profile, Path results, Path data, Path checkpoints, long seed) {
        this.profile = profile;
        this.results = results;
        this.data = data;
        this.series = new RunSeries(data);
        this.checkpoints = checkpoints;
        this.seed = seed;
        this.checks = checks();
    }

    /** The lab the environment describes; shows the check table and fails on what the profile cannot do without. */
    public static Lab setup() {
        return setup(env("VPTLAB_PROFILE", "quick"));
    }

    /** As {@link #setup()}, with the profile named here (the environment still gives the folders). */
    public static Lab setup(String profile) {
        Profile p = Profile.of(profile);
        Path root = projectRoot();
        Path results = Path.of(env("VPTLAB_RESULTS", root.resolve("results").resolve(p.id()).toString())).toAbsolutePath();
        Path data = Path.of(env("VPTLAB_DATA", root.resolve("data").toString())).toAbsolutePath();
        Path ckpt = Path.of(env("VPTLAB_CHECKPOINTS", data.resolve("checkpoints").toString())).toAbsolutePath();
        return setup(p, results, data, ckpt);
    }

    public static Lab setup(Profile p, Path results, Path data, Path checkpoints) {
        Lab lab = new Lab(p, results, data, checkpoints, 42);
        Show.markdown(lab.describe());
        List<Check> blocking = lab.checks.stream().filter(c -> !c.ok() && lab.required(c)).toList();
        if (!blocking.isEmpty()) {
            throw new VptlabException("the " + p.id() + " profile cannot run here: " + String.join("; ",
                    blocking.stream().map(c -> c.what() + " missing (" + c.howToGet() + ")").toList()));
        }
        return lab;
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            v = System.getProperty(name.toLowerCase(Locale.ROOT).replace('_', '.'));
        }
        return v == null || v.isBlank() ? fallback : v;
    }

    /** The repository root when run from it or from notebooks/ (holds pom.xml and notebooks/), else the working folder. */
    static Path projectRoot() {
        Path p = Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.exists(q.resolve("pom.xml")) && Files.isDirectory(q.resolve("notebooks"))) {
                return q;
            }
        }
        return p;
    }

    private List<Check> checks() {
        List<Check> out = new ArrayList<>();
        if (profile != Profile.PAPER) {
            Path fm = null;
            try {
                fm = FashionMnist.locate();
            } catch (VptlabException e) {
                // reported below
            }
            out.add(new Check("Fashion-MNIST", fm == null ? String.valueOf(FashionMnist.defaultLocations()) : fm.toString(), fm != null,
                    "sudo apt-get install dataset-fashion-mnist, or data-scripts/fashion-mnist --root data"));
            for (String n : EmbeddedBackbones.NAMES) {
                boolean ok = EmbeddedBackbones.present(n);
                out.add(new Check("embedded " + n + " trunk", "classpath " + EmbeddedBackbones.RESOURCE_DIR + n + ".safetensors", ok,
                        "vptlab pretrain --method " + n + " (see docs/embedded-backbones.md)"
                                + (profile == Profile.SMOKE ? "; smoke uses a random-init trunk instead" : "")));
            }
        } else {
            out.add(new Check("GPU", engineDevice(), gpus() > 0,
                    "paper-scale runs need a CUDA GPU (README: VPTLAB_CUDA=1); without one this notebook shows the commands and any records present"));
            for (Map.Entry<String, String> c : PaperRuns.CHECKPOINTS.entrySet()) {
                Path f = checkpoints.resolve(c.getValue());
                out.add(new Check(c.getKey() + " checkpoint", f.toString(), Files.exists(f),
                        "data-scripts/checkpoints --root " + checkpoints.getParent()));
            }
            for (String ds : List.of("vtab-1k", "fgvc", "ade20k")) {
                Path d = data.resolve(ds);
                out.add(new Check(ds + " data", d.toString(), Files.isDirectory(d), "data-scripts/" + ds + " --root " + data
                        + " (see data-scripts/README.md)"));
            }
        }
        out.add(new Check("results folder", results.toString(), true, ""));
        return out;
    }

    /** Missing pieces that stop the profile (the paper profile only reports: it shows commands instead). */
    private boolean required(Check c) {
        if (profile == Profile.PAPER) {
            return false;
        }
        return c.what().equals("Fashion-MNIST") || (profile == Profile.QUICK && c.what().startsWith("embedded"));
    }

    private static int gpus() {
        try {
            return Engine.getInstance().getGpuCount();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static String engineDevice() {
        try {
            Engine e = Engine.getInstance();
            return e.getEngineName() + " " + e.getVersion() + ", " + e.getGpuCount() + " GPU(s)";
        } catch (RuntimeException e) {
            return "engine not loaded: " + e.getMessage();
        }
    }

    /** The check table as markdown. */
    public String describe() {
        StringBuilder b = new StringBuilder("**vptlab, profile `" + profile.id() + "`** ");
        b.append(switch (profile) {
            case SMOKE -> "(tests: every study cut to seconds; numbers mean nothing)";
            case QUICK -> "(the embedded default: mini benchmark, tiny trunks, CPU)";
            case PAPER -> "(real data and checkpoints; long runs go through the CLI)";
        });
        b.append("\n\n| what | where | status |\n|---|---|---|\n");
        for (Check c : checks) {
            b.append("| ").append(c.what()).append(" | `").append(c.where()).append("` | ")
                    .append(c.ok() ? "found" : "**missing**: " + c.howToGet()).append(" |\n");
        }
        return b.toString();
    }

    public Profile profile() {
        return profile;
    }

    public boolean isPaper() {
        return profile == Profile.PAPER;
    }

    public Path results() {
        return results;
    }

    public Path data() {
        return data;
    }

    public Path checkpoints() {
        return checkpoints;
    }

    public long seed() {
        return seed;
    }

    public List<Check> checkList() {
        return checks;
    }

    /** The mini-benchmark profile of {@link Reproduce} (smoke or quick; the paper profile has none). */
    public Reproduce.Profile miniProfile() {
        if (profile == Profile.PAPER) {
            throw new VptlabException("the paper profile does not run the mini benchmark; use PaperRuns for its commands and records");
        }
        return profile == Profile.SMOKE ? Reproduce.Profile.SMOKE : Reproduce.Profile.QUICK;
    }

    /** The tiny trunks, copied out of the library into the results folder (smoke: random init where missing). */
    public Reproduce.Backbones backbones() {
        if (backbones == null) {
            backbones = EmbeddedBackbones.extract(results.resolve("backbones"), profile == Profile.SMOKE,
                    msg -> Show.markdown("_note: " + msg + "_"));
        }
        return backbones;
    }

    /**
     * Runs (or, when their records are already there, only reads) a study of the mini benchmark, one line
     * per run, and returns its {@link dev.vptlab.report.StudyTable} (one row per run). {@code vptlab reproduce} writes the same run folders, so after it
     * the block-location and methods studies cost nothing here.
     */
    public Table run(StudyPlan plan) {
        List<Reproduce.Job> jobs = plan.jobs(miniProfile(), backbones(), results, seed);
        PrintStream log = System.out;
        log.printf("%s: %d runs into %s%n", plan.name(), jobs.size(), results.resolve("runs"));
        return Reproduce.run(jobs, data, profile == Profile.SMOKE ? Progress.Mode.QUIET : Progress.Mode.LINE, log);
    }

    /** A study of {@link Reproduce} by name, for {@link #run(StudyPlan)}. */
    public record StudyPlan(String name, Planner planner) {
        List<Reproduce.Job> jobs(Reproduce.Profile p, Reproduce.Backbones b, Path results, long seed) {
            return planner.plan(p, b, results, seed);
        }
    }

    /** The signature of {@link Reproduce}'s study plans. */
    public interface Planner {
        List<Reproduce.Job> plan(Reproduce.Profile p, Reproduce.Backbones b, Path results, long seed);
    }

    /** Yoo et al. Fig. 1 on the mini benchmark. */
    public static final StudyPlan BLOCK_LOCATION = new StudyPlan("block-location", Reproduce::blockLocation);
    /** VPT-shallow, VPT-deep, Gated PT and CVPT on every mini task, MAE and MoCo v3 trunks. */
    public static final StudyPlan METHODS = new StudyPlan("methods",
            (p, b, r, s) -> Reproduce.methods(p, b, r, s, Reproduce.blockLocation(p, b, r, s)));
    /** Yoo et al. Table 4 at small scale. */
    public static final StudyPlan GATE_ABLATION = new StudyPlan("gate-ablation", Reproduce::gateAblation);
    /** Yoo et al. Table 7 at small scale. */
    public static final StudyPlan FEWER_TOKENS = new StudyPlan("fewer-tokens", Reproduce::fewerTokens);
    /** CVPT's ablations at small scale. */
    public static final StudyPlan CVPT_ABLATIONS = new StudyPlan("cvpt-ablations", Reproduce::cvptAblations);

    /**
     * One training run of a mini-benchmark task into {@code results/runs/<name>}: trained when new,
     * resumed when interrupted, only read when finished with the same config (so re-running a notebook
     * costs nothing). A folder holding a run of another config is an error naming the differences.
     */
    public RunRecord train(String name, RunConfig cfg) {
        Path dir = results.resolve("runs").resolve(name);
        if (Files.exists(dir.resolve("record.json"))) {
            RunRecord r = RunRecord.read(dir);
            List<String> diff = cfg.diff(r.config());
            if (!diff.isEmpty()) {
                throw new VptlabException(dir + " holds a run with another config: " + diff + "; remove it or pick another name");
            }
            if (r.status().equals(RunRecord.FINISHED)) {
                return r;
            }
        }
        // A record without a checkpoint (stopped in its first epoch) resumes from scratch.
        boolean resume = Files.exists(dir.resolve(RunFolder.RECORD_FILE));
        return series.run(cfg, dir, new Progress(profile == Profile.SMOKE ? Progress.Mode.QUIET : Progress.Mode.LINE, System.out),
                resume);
    }

    /**
     * The training budget of this profile applied to a run config, as {@link Reproduce}'s plans do: no warm-up,
     * test once after the last epoch, on the profile's image limits (quick: train800, the first 1000 test images;
     * smoke: 128 and 128, and one epoch).
     */
    public RunConfig.Builder budget(RunConfig.Builder b, int quickEpochs) {
        int epochs = profile == Profile.SMOKE ? 1 : quickEpochs;
        Reproduce.Budget limits = Reproduce.budget(profile == Profile.SMOKE ? Reproduce.Profile.SMOKE : Reproduce.Profile.QUICK);
        b.epochs(epochs).warmupEpochs(0).valEvery(0).testEvery(epochs).seed(seed);
        b.trainLimit(limits.trainLimit()).testLimit(limits.testLimit());
        return b;
    }

    /** Every run record under {@code results/runs/<study>} (e.g. to show a finished study without running it). */
    public Table records(String study) {
        Path dir = results.resolve("runs").resolve(study);
        return Files.isDirectory(dir) ? Runs.load(dir) : null;
    }
}
