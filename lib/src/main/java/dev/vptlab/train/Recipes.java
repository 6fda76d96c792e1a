package dev.vptlab.train;

import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.GatedPrompts;
import dev.vptlab.VptlabException;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.reference.ReferenceTable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The papers' recipes per task and backbone, built from the reference tables (GatedPT Table 5,
 * CVPT's configs), as {@link RunConfig.Builder}s that a caller may still override.
 */
public final class Recipes {
    /** Gated PT's learning-rate grid (App. A.2). */
    public static final List<Double> GATED_LR_GRID = List.of(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0);

    /** CVPT's FGVC rows are named by dataset; the run keys are VPT's. */
    private static final Map<String, String> CVPT_FGVC_KEYS = Map.of("CUB", "cub", "NABirds", "nabirds",
            "Oxford Flowers", "flowers", "Stanford Dogs", "dogs", "Stanford Cars", "cars");

    private Recipes() {}

    /**
     * Gated PT (Table 5): batch size, prompt tokens, lr and gate init for {@code task} with a "mae" or
     * "mocov3" backbone; SGD 0.9, wd 0, warm-up 10 + cosine over 100 epochs; pooling per backbone.
     */
    public static RunConfig.Builder gated(String task, String backbone) {
        String ssl = switch (backbone.toLowerCase(Locale.ROOT)) {
            case "mae" -> "MAE";
            case "mocov3", "moco", "moco-v3" -> "MoCo v3";
            default -> throw new VptlabException("unknown backbone '" + backbone + "' for the gated recipe; known: mae, mocov3");
        };
        Map<String, String> row = find(ReferenceTable.load("gated_hparams"), "task_key", task, r -> r.get("ssl").equals(ssl));
        MethodConfig m = GatedPrompts.Config.of(Integer.parseInt(row.get("prompt_tokens")))
                .withGates(Float.parseFloat(row.get("gate_init")), true, true);
        return RunConfig.gated().task(task).method(m).batchSize(Integer.parseInt(row.get("batch_size")))
                .lr(Double.parseDouble(row.get("lr"))).pooling(ssl.equals("MAE") ? Pooling.MEAN_PROMPTS_AND_PATCHES : Pooling.CLS)
                .numClasses(classesOf(task));
    }

    /** Class count of a VTAB-1K task key or an FGVC run key (ADE20K: 150). */
    public static int classesOf(String task) {
        for (Map<String, String> r : ReferenceTable.load("vtab_tasks").rows()) {
            if (r.get("task_key").equals(task)) {
                return Integer.parseInt(r.get("classes"));
            }
        }
        for (Map<String, String> r : ReferenceTable.load("fgvc_datasets").rows()) {
            if (r.get("run_key").equals(task)) {
                return Integer.parseInt(r.get("classes"));
            }
        }
        if (task.equals("ade20k")) {
            return 150;
        }
        throw new VptlabException("unknown task '" + task + "'");
    }

    /**
     * CVPT (official {@code configs/<task>.yaml}, {@code train.py}, {@code train-FGVC.py}): lr, prompts per
     * block and seed from the v2 configs; weight decay 0.05 and batch 32 as the released VTAB script uses them
     * (it never reads the yaml's wd and batch_size), unless {@code yamlV2} asks for the configs' own wd and
     * batch. FGVC uses the configs' values: {@code train-FGVC.py} takes them only from the command line, so
     * we assume the yaml records the arguments the authors used.
     */
    public static RunConfig.Builder cvpt(String task, boolean yamlV2) {
        ReferenceTable t = ReferenceTable.load("cvpt_hparams");
        Map<String, String> row = t.rows().stream()
                .filter(r -> r.get("task").equals(task) || task.equals(CVPT_FGVC_KEYS.get(r.get("task"))))
                .findFirst()
                .orElseThrow(() -> unknown("cvpt", task, t, r -> CVPT_FGVC_KEYS.getOrDefault(r.get("task"), r.get("task"))));
        boolean fgvc = row.get("benchmark").equals("FGVC");
        RunConfig.Builder b = RunConfig.cvpt().task(task).method(CrossVisualPrompts.Config.of(Integer.parseInt(row.get("prompts"))))
                .lr(Double.parseDouble(row.get("lr"))).seed(Long.parseLong(row.get("seed"))).pooling(Pooling.CLS)
                .numClasses(Integer.parseInt(row.get("classes")));
        if ((yamlV2 || fgvc) && !row.get("weight_decay").isEmpty()) {
            b.weightDecay(Double.parseDouble(row.get("weight_decay"))).batchSize(Integer.parseInt(row.get("batch_size")));
        }
        if (fgvc) {
            b.testEvery(1); // FGVC script: test every epoch, best reported (train-FGVC.py, train)
        }
        return b;
    }

    private static Map<String, String> find(ReferenceTable t, String keyColumn, String key,
            java.util.function.Predicate<Map<String, String>> also) {
        return t.rows().stream().filter(r -> r.get(keyColumn).equals(key) && also.test(r)).findFirst()
                .orElseThrow(() -> unknown(t.name(), key, t, r -> r.get(keyColumn)));
    }

    private static VptlabException unknown(String recipe, String task, ReferenceTable t,
            java.util.function.Function<Map<String, String>, String> key) {
        TreeSet<String> known = new TreeSet<>();
        t.rows().forEach(r -> known.add(key.apply(r)));
        return new VptlabException("unknown task '" + task + "' for the " + recipe + " recipe; known: " + String.join(", ", known));
    }
}
