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
    public static final List<String> NAMES = List.of("block-location", "gated-vtab", "gated-fgvc", "cvpt-vtab", "cvpt-fgvc",
            "gated-ablation-gates", "gated-fewer-tokens", "cvpt-ablation", "gated-ade20k", "cvpt-ade20k");

    /** The ADE20K reproductions: segmentation runs ({@code train --task ade20k}, {@link dev.vptlab.seg.SegConfig}). */
    public static final List<String> SEGMENTATION = List.of("gated-ade20k", "cvpt-ade20k");

    /** Gated PT Table 3: VPT-shallow (100 prompts), VPT-deep (10 per block) and Gated PT (100 gated prompts). */
    static final List<String> GATED_ADE20K_RECIPES = List.of("vpt-shallow", "vpt-deep", "gated");

    /** CVPT's ADE20K row and the VPT paper's baselines it is compared with (VPT-deep, head only), on ViT-L/16. */
    static final List<String> CVPT_ADE20K_RECIPES = List.of("cvpt", "vpt-deep", "head-only");

    /** The key of timm's ImageNet-21k ViT-L/16 ({@code jx_vit_large_p16_384}), the trunk of CVPT's segmentation config. */
    public static final String VITL_IN21K = "vitl-in21k";

    /** ViT-L/16's depth: 24 blocks. */
    private static final int VIT_L_DEPTH = 24;

    /** Gated PT Table 7: totals of prompt tokens; VPT-deep spreads each total over the 12 blocks. */
    static final List<Integer> FEWER_TOKENS_TOTALS = List.of(24, 48, 96);

    /** CVPT's ablations: the five insert positions, the cross-attention weight variants, prompt counts. */
    static final List<Integer> CVPT_POSITIONS = List.of(1, 2, 3, 4, 5);
    static final List<String> CVPT_WEIGHTS = List.of("SHARED_FROZEN", "SHARED_LEARNABLE", "RANDOM_LEARNABLE", "RANDOM_FROZEN");
    static final List<Integer> CVPT_PROMPT_COUNTS = List.of(1, 10, 50, 100, 200);

    /**
     * The checkpoint files of the papers, as {@code data-scripts/checkpoints} names them, by backbone: the ViT-B/16
     * ones (mae, mocov3, supervised) and CVPT's ADE20K trunk, timm's ImageNet-21k ViT-L/16 ({@code vitl-in21k}).
     */
    public static final Map<String, String> CHECKPOINT_FILES = Map.of("mae", "mae_pretrain_vit_base.pth",
            "mocov3", "vit-b-300ep.pth.tar", "supervised", "ViT-B_16.npz", VITL_IN21K, "jx_vit_large_p16_384-b3be5167.pth");

    /** The backbones of the classification reproductions (all ViT-B/16). */
    static final List<String> CLASSIFICATION_BACKBONES = List.of("mae", "mocov3", "supervised");

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
            // Gated PT Tables 4 and 7 are on the MAE backbone only.
            case "gated-ablation-gates", "gated-fewer-tokens" -> List.of("mae");
            case "gated-ade20k" -> List.of("mae", "mocov3"); // Gated PT Table 3
            case "cvpt-ade20k" -> List.of(VITL_IN21K); // CVPT's segmentation config: ViT-L/16 pretrained on ImageNet-21k
            default -> List.of("supervised"); // CVPT's train.py loads the ImageNet-21k ViT-B_16.npz
        };
    }

    /** The tasks of a reproduction when none are named: all of its benchmark (block-location: CUB and KITTI-Dist, Fig. 1). */
    public static List<String> defaultTasks(String name) {
        return switch (check(name)) {
            case "block-location" -> List.of("cub", "kitti");
            case "gated-ade20k", "cvpt-ade20k" -> List.of("ade20k");
            case "gated-ablation-gates" -> List.of("cub", "flowers"); // Gated PT Table 4
            case "gated-fgvc", "cvpt-fgvc", "gated-fewer-tokens" -> List.copyOf(Fgvc.datasets().keySet());
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
        if (SEGMENTATION.contains(name)) {
            return segmentation(name, backbones, tasks, checkpoints, dataRoot);
        }
        List<Draft> out = new ArrayList<>();
        for (String bb : backbones) {
            String file = CHECKPOINT_FILES.get(bb);
            if (file == null || !CLASSIFICATION_BACKBONES.contains(bb)) {
                throw new VptlabException("unknown backbone '" + bb + "'; known: " + String.join(", ", CLASSIFICATION_BACKBONES));
            }
            for (String task : tasks) {
                List<String> base = new ArrayList<>(List.of("--task", task, "--backbone", checkpoints.resolve(file).toString()));
                if (!bb.equals("supervised")) {
                    base.addAll(List.of("--backbone-kind", bb));
                }
                base.addAll(List.of("--data-root", dataRoot.toString()));
                String prefix = bb + "-" + task;
                switch (name) {
                    case "gated-vtab", "gated-fgvc" -> lrGrid(out, base, prefix + "-gated", List.of("--method", "gated"));
                    case "gated-ablation-gates" -> {
                        // Gated PT Table 4: 100 prompt tokens, VPT-shallow against the soft gates (with the learnable
                        // temperature, as the method is); the hard Gumbel-sigmoid gates of its middle row are not
                        // implemented. Each at the lr grid, selected by validation accuracy.
                        lrGrid(out, base, prefix + "-vpt-shallow-p100", List.of("--method", "vpt-shallow", "--prompts", "100"));
                        lrGrid(out, base, prefix + "-gated-p100", List.of("--method", "gated", "--prompts", "100"));
                    }
                    case "gated-fewer-tokens" -> {
                        // Gated PT Table 7: the same total of prompt tokens, VPT-deep with total/12 per block.
                        for (int total : FEWER_TOKENS_TOTALS) {
                            lrGrid(out, base, prefix + "-vpt-deep-total" + total,
                                    List.of("--method", "vpt-deep", "--prompts", String.valueOf(total / VIT_B_DEPTH)));
                            lrGrid(out, base, prefix + "-gated-total" + total,
                                    List.of("--method", "gated", "--prompts", String.valueOf(total)));
                        }
                    }
                    case "cvpt-ablation" -> {
                        // CVPT's ablations (insert position, cross-attention weights, prompt count), each varied from
                        // the recipe of the task with the others at their defaults.
                        for (int pos : CVPT_POSITIONS) {
                            out.add(cvpt(base, prefix + "-cvpt-position" + pos, List.of("--position", String.valueOf(pos))));
                        }
                        for (String w : CVPT_WEIGHTS) {
                            out.add(cvpt(base, prefix + "-cvpt-" + w.toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                                    List.of("--cross-weights", w)));
                        }
                        for (int n : CVPT_PROMPT_COUNTS) {
                            out.add(cvpt(base, prefix + "-cvpt-prompts" + n, List.of("--prompts", String.valueOf(n))));
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
                    default -> out.add(cvpt(base, prefix + "-cvpt", List.of()));
                }
            }
        }
        return out;
    }

    /**
     * The ADE20K runs: one per backbone and recipe, each {@code train --task ade20k --recipe R} with the recipe's
     * settings (SETR-PUP heads, SGD at lr 1e-3 for 160k iterations, batch 16: {@link dev.vptlab.seg.SegRecipes}; the
     * papers give one lr, so there is no grid) and the multi-scale evaluation at the end (Gated PT Tables 3 and 6, CVPT
     * and the VPT paper's ADE20K table report mIoU single- and multi-scale). The ViT-L/16 trunk's taps are given
     * explicitly (CVPT's {@code out_indices} 9, 14, 19, 23), so that a plan made without the checkpoint file holds the
     * runs' real configs. {@code dataRoot} holds {@code ade20k/ADEChallengeData2016} as {@code data-scripts/ade20k} lays it out.
     */
    private static List<Draft> segmentation(String name, List<String> backbones, List<String> tasks, Path checkpoints,
            Path dataRoot) {
        if (!tasks.equals(List.of("ade20k"))) {
            throw new VptlabException(name + " has the one task ade20k, got " + String.join(", ", tasks));
        }
        List<String> recipes = name.equals("gated-ade20k") ? GATED_ADE20K_RECIPES : CVPT_ADE20K_RECIPES;
        List<Draft> out = new ArrayList<>();
        for (String bb : backbones) {
            String file = CHECKPOINT_FILES.get(bb);
            if (file == null) {
                throw new VptlabException("unknown backbone '" + bb + "'; known: " + String.join(", ", new java.util.TreeSet<>(
                        CHECKPOINT_FILES.keySet())));
            }
            for (String recipe : recipes) {
                List<String> a = new ArrayList<>(List.of("--task", "ade20k", "--recipe", recipe, "--backbone",
                        checkpoints.resolve(file).toString()));
                if (bb.equals(VITL_IN21K)) {
                    int[] t = dev.vptlab.seg.SegRecipes.taps(VIT_L_DEPTH);
                    a.addAll(List.of("--taps", java.util.Arrays.stream(t).mapToObj(String::valueOf)
                            .collect(java.util.stream.Collectors.joining(","))));
                }
                a.addAll(List.of("--data-root", dataRoot.resolve("ade20k").toString(), "--multi-scale"));
                out.add(new Draft(bb + "-ade20k-" + recipe, null, a));
            }
        }
        return out;
    }

    /**
     * Gated PT App. A.2: a task is trained at each lr of the grid and the one with the best validation accuracy is
     * reported, so the runs of one grid compete (their {@code select} is {@code key}).
     */
    private static void lrGrid(List<Draft> out, List<String> base, String key, List<String> method) {
        for (double lr : Recipes.GATED_LR_GRID) {
            List<String> a = new ArrayList<>(base);
            a.addAll(method);
            a.addAll(List.of("--lr", number(lr)));
            out.add(new Draft(key + "-lr" + number(lr), key, a));
        }
    }

    /** A CVPT run: its recipe (AdamW, the task's prompts and lr from the official configs) and {@code extra}. */
    private static Draft cvpt(List<String> base, String key, List<String> extra) {
        List<String> a = new ArrayList<>(List.of("--recipe", "cvpt", "--method", "cvpt"));
        a.addAll(base);
        a.addAll(extra);
        return new Draft(key, null, a);
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
