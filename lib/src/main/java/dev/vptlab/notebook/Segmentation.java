package dev.vptlab.notebook;

import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.plan.PlanEntry;
import dev.vptlab.plan.Reproductions;
import dev.vptlab.reference.ReferenceTable;
import dev.vptlab.report.Charts;
import dev.vptlab.report.Show;
import dev.vptlab.reproduce.SegmentationStudy;
import dev.vptlab.seg.MeanIou;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegEvaluator;
import dev.vptlab.seg.SegModel;
import dev.vptlab.seg.SegTasks;
import dev.vptlab.seg.SegTrainer;
import dev.vptlab.train.Progress;
import dev.vptlab.train.RunRecord;
import dev.vptlab.train.Runs;
import dev.vptlab.util.Csv;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.knowm.xchart.CategoryChart;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The segmentation sections of notebooks 04 (Gated PT, Tables 3 and 6) and 08 (CVPT's ADE20K row): the mini study's
 * runs ({@link SegmentationStudy}), our mIoU beside the papers', per-class IoU bars, a gallery of predictions, and in
 * the paper profile the ADE20K runs' records or the commands that make them.
 */
public final class Segmentation {
    private Segmentation() {}

    /** Runs (or only reads, when finished) the profile's segmentation study; one row per run. */
    public static Table runs(Lab lab) {
        List<SegmentationStudy.Job> jobs = SegmentationStudy.plan(lab.miniProfile(), lab.backbones(), lab.results(), lab.seed());
        return SegmentationStudy.run(jobs, lab.data(), Lab.Profile.SMOKE == lab.profile() ? Progress.Mode.QUIET : Progress.Mode.LINE,
                System.out);
    }

    /**
     * Each method beside head only at the same seed, per trunk: the study's summary over its seeds (mean, sd, the paired
     * difference from head only; {@link SegmentationStudy#summary}). Under one seed every method starts from the same
     * heads and sees the same batches, so the difference is paired; with one seed it is one difference.
     */
    public static Table paired(Table ours) {
        Table t = SegmentationStudy.summary(ours).setName("mIoU beside head only at the same seed (ours, fm-seg)");
        for (var column : t.columns()) {
            if (column instanceof DoubleColumn c) {
                for (int i = 0; i < c.size(); i++) {
                    if (!c.isMissing(i)) {
                        c.set(i, Summaries.round2(c.get(i)));
                    }
                }
            }
        }
        return t;
    }

    /**
     * The study over several seeds, when {@code vptlab reproduce --segmentation-seeds N} wrote them into the results
     * folder's {@code tables/segmentation.csv}: {@link #paired} over all its seeds. Empty when that file is absent or
     * holds one seed (the notebooks run one seed, the profile's).
     */
    public static Optional<Table> overSeeds(Lab lab) {
        Path file = lab.results().resolve(SegmentationStudy.RUNS_TABLE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Table runs = Csv.read(file, "segmentation", c -> switch (c) {
            case "backbone", "method", "status" -> ColumnType.STRING;
            case "seed", "trainable_params", "iterations" -> ColumnType.LONG;
            default -> ColumnType.DOUBLE;
        });
        long seeds = runs.longColumn("seed").unique().size();
        if (seeds < 2) {
            return Optional.empty();
        }
        return Optional.of(paired(runs).setName("mIoU over " + seeds + " seeds, each beside head only at the same seed"
                + " (ours, fm-seg; " + SegmentationStudy.RUNS_TABLE + ")"));
    }

    /**
     * Our fm-seg mIoU per method and trunk (columns {@code ours fm-seg mIoU (MAE)}, {@code (MoCo v3)}) beside the paper's
     * ADE20K mIoU of the same method: Gated PT Table 3 ({@code paper = "gated"}: ViT-B/16, MAE and MoCo v3, SS and MS) or
     * CVPT's summary and VPT's baselines ({@code "cvpt"}: ViT-L/16, SS and MS). Different data and scale: the columns
     * are side by side, not comparable numbers.
     */
    public static Table beside(Table ours, String paper) {
        StringColumn method = StringColumn.create("method");
        DoubleColumn mae = DoubleColumn.create("ours fm-seg mIoU (MAE trunk)");
        DoubleColumn moco = DoubleColumn.create("ours fm-seg mIoU (MoCo v3 trunk)");
        Map<String, DoubleColumn> papers = new LinkedHashMap<>();
        List<String> methods = SegmentationStudy.METHODS;
        for (String m : methods) {
            method.append(m);
            mae.append(lookup(ours, "mae", m));
            moco.append(lookup(ours, "mocov3", m));
        }
        if (paper.equals("gated")) {
            Map<String, String> names = Map.of("vpt-deep", "VPT-deep", "gated", "Gated (ours)");
            for (String ssl : List.of("MAE", "MoCo v3")) {
                for (String k : List.of("miou_ss", "miou_ms")) {
                    DoubleColumn c = DoubleColumn.create("paper ADE20K " + ssl + " " + (k.endsWith("ss") ? "SS" : "MS"));
                    for (String m : methods) {
                        c.append(paperValue("gated_ade20k", r -> r.get("table").equals("3") && r.get("ssl").equals(ssl)
                                && r.get("method").equals(names.get(m)), k));
                    }
                    papers.put(c.name(), c);
                }
            }
        } else {
            for (String k : List.of("mIoU-SS", "mIoU-MS")) {
                DoubleColumn c = DoubleColumn.create("paper ADE20K ViT-L " + k.substring(5));
                for (String m : methods) {
                    double v = switch (m) {
                        case "cvpt" -> paperValue("cvpt_summary", r -> r.get("benchmark").equals("ADE20K") && r.get("metric").equals(k)
                                && r.get("method").equals("CVPT"), "value");
                        case "vpt-deep" -> paperValue("cvpt_summary", r -> r.get("benchmark").equals("ADE20K")
                                && r.get("metric").equals(k) && r.get("method").equals("VPT-deep"), "value");
                        case "head-only" -> paperValue("lit_ade20k_baselines", r -> r.get("method").equals("Head only"),
                                k.endsWith("SS") ? "miou_ss" : "miou_ms");
                        default -> Double.NaN;
                    };
                    c.append(v);
                }
                papers.put(c.name(), c);
            }
        }
        Table t = Table.create("mIoU: ours (fm-seg mini task, CPU) beside the paper's (ADE20K)", method, mae, moco);
        papers.values().forEach(t::addColumns);
        return t;
    }

    private static double lookup(Table ours, String backbone, String method) {
        for (int i = 0; i < ours.rowCount(); i++) {
            if (ours.stringColumn("backbone").get(i).equals(backbone) && ours.stringColumn("method").get(i).equals(method)) {
                return Summaries.round2(ours.doubleColumn("test_miou").get(i));
            }
        }
        return Double.NaN;
    }

    private static double paperValue(String table, java.util.function.Predicate<Map<String, String>> row, String column) {
        for (Map<String, String> r : ReferenceTable.load(table).rows()) {
            if (row.test(r)) {
                return Double.parseDouble(r.get(column));
            }
        }
        return Double.NaN;
    }

    /**
     * The study's runs on one trunk, method → folder, in {@link SegmentationStudy#METHODS} order: those this profile
     * makes (smoke: MAE gated only).
     */
    public static Map<String, Path> studyRuns(Lab lab, String backbone) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (SegmentationStudy.Job j : SegmentationStudy.plan(lab.miniProfile(), lab.backbones(), lab.results(), lab.seed())) {
            if (j.backbone().equals(backbone)) {
                out.put(j.method(), j.folder());
            }
        }
        return out;
    }

    /** The folder of a study run. */
    public static Path runDir(Lab lab, String backbone, String method) {
        return SegmentationStudy.plan(lab.miniProfile(), lab.backbones(), lab.results(), lab.seed()).stream()
                .filter(j -> j.backbone().equals(backbone) && j.method().equals(method)).findFirst()
                .orElseThrow(() -> new VptlabException("no " + backbone + " " + method + " run in the " + lab.profile().id()
                        + " profile's segmentation study")).folder();
    }

    /** Per-class IoU (percent) of a finished run, as bars, one series per run given. */
    public static CategoryChart classIou(String title, Map<String, Path> runs) {
        List<String> classes = null;
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : runs.entrySet()) {
            Path f = e.getValue().resolve(SegTrainer.CLASS_IOU_FILE);
            if (!Files.exists(f)) {
                throw new VptlabException(f + ": no per-class IoU (is the run finished?)");
            }
            List<Map<String, String>> rows = Csv.records(readString(f));
            classes = rows.stream().map(r -> r.get("name")).toList();
            series.put(e.getKey(), rows.stream().map(r -> r.get("iou").isEmpty() ? 0.0 : Double.parseDouble(r.get("iou"))).toList());
        }
        return Charts.bars(title, "IoU (%)", classes, series);
    }

    private static String readString(Path f) {
        try {
            return Files.readString(f);
        } catch (java.io.IOException e) {
            throw new VptlabException(f + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * The first {@code n} test canvases, their ground truth and the predictions of the given finished runs (one row
     * per run), computed here with each run's trained model.
     */
    public static BufferedImage gallery(Map<String, Path> runs, int n) {
        List<float[]> images = new ArrayList<>();
        List<int[]> truth = new ArrayList<>();
        List<String> names = new ArrayList<>(List.of("ground truth"));
        List<List<int[]>> rows = new ArrayList<>();
        for (Map.Entry<String, Path> e : runs.entrySet()) {
            SegConfig cfg = SegConfig.fromMap(RunRecord.read(e.getValue()).config()).with(b -> b.testLimit = n);
            SegTasks.Splits s = SegTasks.open(cfg, null);
            if (images.isEmpty()) {
                for (int i = 0; i < s.test().size(); i++) {
                    images.add(s.test().view(i, 1.0, false).image());
                    truth.add(s.test().annotation(i).label());
                }
                rows.add(truth);
            }
            int[][] pred = new int[s.test().size()][];
            try (NDManager m = NDManager.newBaseManager()) {
                SegModel model = SegModel.build(cfg, s.test().channels(), m);
                model.load(e.getValue().resolve(SegTrainer.TRAINABLE_FILE));
                MeanIou unused = SegEvaluator.evaluate(model, s.test(), cfg.crop(), cfg.stride(), false, n, m,
                        (i, h, w, p) -> pred[i] = p);
            }
            names.add(e.getKey());
            rows.add(List.of(pred));
        }
        return Gallery.segmentationRows("fm-seg: the first " + images.size() + " test canvases, the ground truth and each run's"
                + " prediction", images, names, rows);
    }

    /**
     * Paper profile: the ADE20K runs' records under {@code results/runs/<study>} when there are any, otherwise the
     * exact commands that make them.
     */
    public static void paper(Lab lab, String study) {
        Path dir = lab.results().resolve("runs").resolve(study);
        if (Files.isDirectory(dir)) {
            Show.table(Runs.load(dir));
            return;
        }
        StringBuilder sb = new StringBuilder("No ADE20K runs under `" + dir + "` yet. These commands make them (a GPU; "
                + "160,000 iterations each, about 2.85 EFLOP for ViT-B):\n\n```\n");
        for (String c : commands(lab, study)) {
            sb.append(c).append('\n');
        }
        Show.markdown(sb.append("```\n").toString());
    }

    /**
     * The {@code vptlab train} commands of a paper study, {@code gated-ade20k} or {@code cvpt-ade20k}: the runs of its
     * plan ({@link Reproductions#expand}), each writing into {@code runs/<study>/<run>}.
     */
    public static List<String> commands(Lab lab, String study) {
        if (!Reproductions.SEGMENTATION.contains(study)) {
            throw new VptlabException("unknown segmentation study '" + study + "'; known: "
                    + String.join(", ", Reproductions.SEGMENTATION));
        }
        Path dir = lab.results().resolve("runs").resolve(study);
        List<String> out = new ArrayList<>();
        for (Reproductions.Draft d : Reproductions.expand(study, Reproductions.defaultBackbones(study),
                Reproductions.defaultTasks(study), lab.checkpoints(), lab.data())) {
            List<String> args = new ArrayList<>(d.args());
            args.addAll(List.of("--progress", "LINE", "--out", dir.resolve(d.key()).toString()));
            out.add(PlanEntry.trainCommand(args));
        }
        return out;
    }
}
