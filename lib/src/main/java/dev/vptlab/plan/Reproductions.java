package dev.vptlab.plan;

import dev.vptlab.VptlabException;
import dev.vptlab.data.Fgvc;
import dev.vptlab.data.Vtab1k;
import dev.vptlab.train.Recipes;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The papers' reproductions as {@code vptlab train} argument lists, one per run before seeds are added: the
 * recipes themselves stay in {@link Recipes} (what {@code train} makes of the arguments), this class only says
 * which runs a paper's table or figure needs.
 */
public final class Reproductions {
    /** The reproductions {@link #expand} knows. */
    public static final List<String> NAMES = List.of("block-location", "gated-vtab", "gated-fgvc", "cvpt-vtab", "cvpt-fgvc");

    /** The ViT-B/16 checkpoint files of the papers, as {@code data-scripts/checkpoints} names them, by backbone kind. */
    public static final Map<String, String> CHECKPOINT_FILES = Map.of("mae", "mae_pretrain_vit_base.pth",
            "mocov3", "vit-b-300ep.pth.tar", "supervised", "ViT-B_16.npz");

    /** ViT-B/16's depth: the insertion blocks of the block-location study are 1..12 (Yoo et al. Fig. 1). */
    private static final int VIT_B_DEPTH = 12;

    private Reproductions() {}

    /**
     * One run of a reproduction, before its seed: {@code key} names it ("mae-cub-gated-lr0.5"), {@code select}
     * names the runs it competes with for one reported number (null when it stands alone), {@code args} are
     * the {@code train} arguments without {@code --seed} and {@code --out}.
     */
    public record Draft(String key, String select, List<String> args) {
        public Draft {
            args = List.copyOf(args);
        }
    }

    /** The backbones a reproduction uses when none are named: those of its paper. */
    public static List<String> defaultBackbones(String name) {
        return switch (check(name)) {
            // Yoo et al. Fig. 1 also has the supervised ViT; the Gated PT recipe (Table 5) has rows for the two SSL ones only.
            case "block-location", "gated-vtab", "gated-fgvc" -> List.of("mae", "mocov3");
            default -> List.of("supervised"); // CVPT's train.py loads the ImageNet-21k ViT-B_16.npz
        };
    }

    /** The tasks of a reproduction when none are named: all of its benchmark (block-location: CUB and KITTI-Dist, Fig. 1). */
    public static List<String> defaultTasks(String name) {
        return switch (check(name)) {
            case "block-location" -> List.of("cub", "kitti");
            case "gated-fgvc", "cvpt-fgvc" -> List.copyOf(Fgvc.datasets().keySet());
            default -> List.copyOf(Vtab1k.tasks().keySet());
        };
    }

    /**
     * The runs of {@code name} for each backbone and task, in the order that lets consecutive runs share their
     * opened splits and prefix caches (backbone, task, then the swept value). {@code checkpoints} holds the
     * files of {@link #CHECKPOINT_FILES}; {@code dataRoot} is passed to every run.
     */
    public static List<Draft> expand(String name, List<String> backbones, List<String> tasks, Path checkpoints, Path dataRoot) {
        check(name);
        List<Draft> out = new ArrayList<>();
        for (String bb : backbones) {
            String file = CHECKPOINT_FILES.get(bb);
            if (file == null) {
                throw new VptlabException("unknown backbone '" + bb + "'; known: mae, mocov3, supervised");
            }
            for (String task : tasks) {
                List<String> base = new ArrayList<>(List.of("--task", task, "--backbone", checkpoints.resolve(file).toString()));
                if (!bb.equals("supervised")) {
                    base.addAll(List.of("--backbone-kind", bb));
                }
                base.addAll(List.of("--data-root", dataRoot.toString()));
                String prefix = bb + "-" + task;
                switch (name) {
                    case "gated-vtab", "gated-fgvc" -> {
                        // Gated PT App. A.2: every task is trained at each lr of the grid and the one with the best
                        // validation accuracy is reported, so the seven runs of a task compete.
                        for (double lr : Recipes.GATED_LR_GRID) {
                            List<String> a = new ArrayList<>(base);
                            a.addAll(List.of("--method", "gated", "--lr", number(lr)));
                            out.add(new Draft(prefix + "-gated-lr" + number(lr), prefix + "-gated", a));
                        }
                    }
                    case "block-location" -> {
                        // Yoo et al. Fig. 1: VPT-shallow first inserted at block k = 1..L, at the figure's lr
                        // (CUB: 0.1 for MAE and supervised, 1.0 for MoCo v3; KITTI-Dist: 0.1).
                        String lr = task.equals("cub") && bb.equals("mocov3") ? "1.0" : "0.1";
                        IntStream.rangeClosed(1, VIT_B_DEPTH).forEach(k -> {
                            List<String> a = new ArrayList<>(base);
                            a.addAll(List.of("--method", "vpt-shallow", "--insert-block", String.valueOf(k), "--lr", lr));
                            out.add(new Draft(prefix + "-vpt-shallow-k" + (k < 10 ? "0" : "") + k, null, a));
                        });
                    }
                    default -> {
                        List<String> a = new ArrayList<>(List.of("--recipe", "cvpt", "--method", "cvpt"));
                        a.addAll(base);
                        out.add(new Draft(prefix + "-cvpt", null, a));
                    }
                }
            }
        }
        return out;
    }

    /** A learning rate as the grid writes it: 0.05, 1, 2.5. */
    static String number(double v) {
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    private static String check(String name) {
        if (!NAMES.contains(name)) {
            throw new VptlabException("unknown reproduction '" + name + "'; known: " + String.join(", ", NAMES));
        }
        return name;
    }
}
