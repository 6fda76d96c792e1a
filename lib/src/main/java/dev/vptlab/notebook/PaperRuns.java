package dev.vptlab.notebook;

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import dev.vptlab.plan.Reproductions;
import dev.vptlab.plan.Plan;
import dev.vptlab.plan.PlanTables;
import dev.vptlab.data.Fgvc;
import dev.vptlab.data.Vtab1k;
import dev.vptlab.report.Show;
import dev.vptlab.report.StudyTable;
import dev.vptlab.train.Runs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.vptlab.train.RunRecord;
import tech.tablesaw.api.Table;

/**
 * The paper-scale runs behind each notebook, as the exact {@code vptlab} commands that make them (they take
 * GPU hours, so they go through the CLI, not a notebook cell) and as the run records they leave under
 * {@code <results>/runs/<study>/}. A notebook in the {@code paper} profile shows the records when present
 * and otherwise the commands.
 */
public final class PaperRuns {
    /** The ViT-B/16 checkpoints of the papers, as {@code data-scripts/checkpoints} names them. */
    public static final Map<String, String> CHECKPOINTS = Map.of("MAE ViT-B/16", "mae_pretrain_vit_base.pth",
            "MoCo v3 ViT-B/16", "vit-b-300ep.pth.tar", "supervised ViT-B/16 (ImageNet-21k)", "ViT-B_16.npz");

    private static final Map<String, String> FILE = dev.vptlab.plan.Reproductions.CHECKPOINT_FILES;

    private PaperRuns() {}

    /**
     * The commands of a study: "block-location" (Yoo et al. Fig. 1: CUB and KITTI-Dist, the three
     * backbones, the figure's learning rates), "gated-fgvc" / "gated-vtab" (Tables 1 and 2: VPT-shallow,
     * VPT-deep and Gated PT with the Table 5 recipes), "cvpt-vtab" / "cvpt-fgvc" (CVPT with its configs,
     * the IN-21k ViT-B/16).
     */
    public static List<String> commands(Lab lab, String study) {
        List<String> out = new ArrayList<>();
        String data = " --data-root " + lab.data();
        switch (study) {
            case "block-location" -> {
                // Fig. 1's learning rates as the GatedPT paper gives them: CUB 0.1 (MAE, supervised), 1.0 (MoCo v3); KITTI 0.1.
                for (String bb : List.of("mae", "mocov3", "supervised")) {
                    for (String task : List.of("cub", "kitti")) {
                        String lr = task.equals("cub") && bb.equals("mocov3") ? "1.0" : "0.1";
                        out.add("./vptlab sweep block-location --task " + task + " --backbone " + ckpt(lab, bb) + kind(bb) + " --lr " + lr
                                + data + " --out " + folder(lab, study, bb + "-" + task));
                    }
                }
            }
            case "gated-fgvc", "gated-vtab" -> {
                List<String> tasks = study.equals("gated-fgvc") ? List.copyOf(Fgvc.datasets().keySet())
                        : List.copyOf(Vtab1k.tasks().keySet());
                for (String bb : List.of("mae", "mocov3")) {
                    for (String task : tasks) {
                        for (String m : List.of("vpt-shallow", "vpt-deep", "gated")) {
                            out.add("./vptlab train --task " + task + " --backbone " + ckpt(lab, bb) + kind(bb) + " --method " + m + data
                                    + " --out " + folder(lab, study, bb + "-" + task + "-" + m));
                        }
                    }
                }
            }
            case "cvpt-vtab", "cvpt-fgvc" -> {
                List<String> tasks = study.equals("cvpt-fgvc") ? List.copyOf(Fgvc.datasets().keySet())
                        : List.copyOf(Vtab1k.tasks().keySet());
                for (String task : tasks) {
                    out.add("./vptlab train --recipe cvpt --method cvpt --task " + task + " --backbone " + ckpt(lab, "supervised") + data
                            + " --out " + folder(lab, study, "supervised-" + task + "-cvpt"));
                }
            }
            default -> throw new dev.vptlab.VptlabException("no paper-scale commands for study '" + study
                    + "'; known: block-location, gated-fgvc, gated-vtab, cvpt-vtab, cvpt-fgvc");
        }
        return out;
    }

    /**
     * The plan file a study's runs come from when made with {@code vptlab plan STUDY --out <results>/runs/STUDY}
     * (the plan's default name there).
     */
    public static Path planFile(Lab lab, String study) {
        return lab.results().resolve("runs").resolve(study).resolve("plan-" + study + ".json");
    }

    /**
     * The records of a paper-scale study when any exist (also shown), else null after showing the commands that
     * make them (at most {@code maxShown} of them, then a count). When the study's plan file exists, its runs'
     * states (done / running / failed / missing) and its results across seeds are shown first.
     */
    public static Table recordsOrCommands(Lab lab, String study, int maxShown) {
        Path dir = lab.results().resolve("runs").resolve(study);
        Path planFile = planFile(lab, study);
        if (Files.isRegularFile(planFile)) {
            Plan plan = Plan.read(planFile);
            Show.table(PlanTables.states(plan));
            Show.table(PlanTables.results(plan));
        }
        if (Files.isDirectory(dir)) {
            Table t = table(study, dir);
            if (t.rowCount() > 0) {
                Show.table(Runs.load(dir));
                return t;
            }
        }
        List<String> cmds = commands(lab, study);
        StringBuilder b = new StringBuilder("No finished run records under `" + dir + "` yet.");
        if (Reproductions.NAMES.contains(study) && !Files.isRegularFile(planFile)) {
            b.append(" The study as one plan (inspect it, run it here, or hand it to Slurm; the README's \"Reproduce the"
                    + " papers on your cluster\"):\n\n```\n./vptlab plan ").append(study).append(" --checkpoints ")
                    .append(lab.checkpoints()).append(" --data-root ").append(lab.data()).append(" --out ").append(dir)
                    .append("\n./vptlab plan run ").append(planFile).append("      # or: ./vptlab plan slurm ")
                    .append(planFile).append(" --submit\n```\n\nOr run by run");
        } else {
            b.append(" These commands make them");
        }
        b.append(" (GPU; each run writes its own folder and resumes with `--resume` after an interruption):\n\n```\n");
        cmds.stream().limit(maxShown).forEach(c -> b.append(c).append('\n'));
        b.append("```\n");
        if (cmds.size() > maxShown) {
            b.append("\n… and ").append(cmds.size() - maxShown).append(" more of the same form (")
                    .append(cmds.size()).append(" in all: `PaperRuns.commands(lab, \"").append(study).append("\")`).\n");
        }
        Show.markdown(b.toString());
        return null;
    }

    /**
     * The finished runs under a study folder as a {@link StudyTable}, the schema of the mini studies' tables,
     * so the same summaries and charts apply.
     * The backbone is the first word of the run's top folder as {@link #commands} names it ("mae-cub" → mae);
     * test_top1 is the last-epoch test accuracy.
     */
    public static Table table(String study, Path dir) {
        List<StudyTable.Row> rows = new ArrayList<>();
        try (var walk = Files.walk(dir)) {
            for (Path rec : walk.filter(p -> p.getFileName().toString().equals("record.json")).sorted().toList()) {
                RunRecord r = RunRecord.read(rec.getParent());
                if (!r.status().equals(RunRecord.FINISHED)) {
                    continue;
                }
                String top = dir.relativize(rec.getParent()).getName(0).toString();
                String t = String.valueOf(r.config().get("task"));
                String group = Vtab1k.tasks().containsKey(t) ? Vtab1k.task(t).group().toLowerCase(java.util.Locale.ROOT) : "fgvc";
                Object ib = r.config().get("insert_block");
                rows.add(new StudyTable.Row(study, top.contains("-") ? top.substring(0, top.indexOf('-')) : top, t, group,
                        String.valueOf(r.config().get("method")), ib instanceof Number n ? n.intValue() : 1, "", Double.NaN,
                        r.lastTestTop1(), r.wallSeconds()));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return StudyTable.of(study + " (paper-scale runs)", rows);
    }

    private static String ckpt(Lab lab, String backbone) {
        return lab.checkpoints().resolve(FILE.get(backbone)).toString();
    }

    private static String kind(String backbone) {
        return backbone.equals("supervised") ? "" : " --backbone-kind " + backbone;
    }

    private static Path folder(Lab lab, String study, String run) {
        return lab.results().resolve("runs").resolve(study).resolve(run);
    }

    /** The run folders of a study by name, for loading one run's epochs ({@link Runs#epochs(Path)}). */
    public static Map<String, Path> runFolders(Lab lab, String study) {
        Map<String, Path> m = new LinkedHashMap<>();
        Path dir = lab.results().resolve("runs").resolve(study);
        if (Files.isDirectory(dir)) {
            try (var s = Files.list(dir)) {
                s.filter(p -> Files.exists(p.resolve("record.json"))).sorted().forEach(p -> m.put(p.getFileName().toString(), p));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return m;
    }
}
