package dev.vptlab.seg;

import dev.vptlab.VptlabException;
import dev.vptlab.data.Ade20k;
import dev.vptlab.data.FashionMnist;
import dev.vptlab.data.SegPipeline;
import dev.vptlab.mini.MiniBenchmark;
import dev.vptlab.mini.MiniSegmentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Opens the splits of a segmentation task by name: {@code ade20k} or the mini benchmark's {@code fm-seg}. */
public final class SegTasks {
    /** The task names this opens. */
    public static final List<String> NAMES = List.of("ade20k", "fm-seg");

    private SegTasks() {}

    /**
     * The training split, the evaluation split and the class names. ADE20K: training and validation. fm-seg:
     * train800val200 and test, or with {@code eval_split val} train800 and val200.
     */
    public record Splits(SegData train, SegData test, List<String> classNames) {}

    public static boolean isSegmentation(String task) {
        return NAMES.contains(task);
    }

    /**
     * @param dataRoot ADE20K: the {@code ADEChallengeData2016} folder or a folder holding it; fm-seg: a data root
     *     with {@code fashion-mnist/}, or null for the packaged Fashion-MNIST
     */
    public static Splits open(SegConfig cfg, Path dataRoot) {
        return switch (cfg.task()) {
            case "ade20k" -> {
                if (SegConfig.VAL.equals(cfg.evalSplit())) {
                    // ADE20K's validation split is the one the papers report: there is no held-out split to tune on.
                    throw new VptlabException("ade20k has no validation split apart from the one the papers report "
                            + "(its 'validation' folder): --eval-split val applies to fm-seg only");
                }
                if (dataRoot == null) {
                    throw new VptlabException("ade20k needs its data folder (--data-root): ADEChallengeData2016, prepared with "
                            + "data-scripts/ade20k");
                }
                Path root = Files.isDirectory(dataRoot.resolve("ADEChallengeData2016")) ? dataRoot.resolve("ADEChallengeData2016")
                        : dataRoot;
                yield new Splits(new Ade20kSegData(Ade20k.open(root, "training"), SegPipeline.Config.ADE20K, cfg.trainLimit()),
                        new Ade20kSegData(Ade20k.open(root, "validation"), SegPipeline.Config.ADE20K, cfg.testLimit()),
                        Ade20kSegData.CLASS_NAMES);
            }
            case "fm-seg" -> {
                Path own = dataRoot == null ? null : dataRoot.resolve("fashion-mnist");
                Path dir = own != null && Files.isDirectory(own) ? own : FashionMnist.locate();
                MiniSegmentation s = MiniBenchmark.segmentation(FashionMnist.load(dir, "t10k"), cfg.seed());
                List<String> names = new ArrayList<>();
                for (int c = 0; c < MiniSegmentation.CLASSES; c++) {
                    names.add(MiniBenchmark.labelName("fm-seg", c));
                }
                if (SegConfig.VAL.equals(cfg.evalSplit())) {
                    // val200 is the last 200 of train800val200: train on the first 800 only.
                    int train800 = s.train().size() - s.val().size();
                    int limit = cfg.trainLimit() == 0 ? train800 : Math.min(cfg.trainLimit(), train800);
                    yield new Splits(new MiniSegData(s.train(), limit), new MiniSegData(s.val(), cfg.testLimit()), names);
                }
                yield new Splits(new MiniSegData(s.train(), cfg.trainLimit()), new MiniSegData(s.test(), cfg.testLimit()), names);
            }
            default -> throw new VptlabException("unknown segmentation task '" + cfg.task() + "'; known: " + NAMES);
        };
    }
}
