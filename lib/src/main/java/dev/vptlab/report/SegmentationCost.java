package dev.vptlab.report;

import ai.djl.ndarray.NDManager;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.Head;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegMacs;
import dev.vptlab.seg.SegRecipes;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Parameters and analytic FLOPs of the ADE20K setups (SETR-PUP at 512×512): Gated PT's Table 3 rows on ViT-B/16
 * (decode + 2 auxiliary heads) and CVPT's and VPT's rows on ViT-L/16 (decode + 3 auxiliary heads). Counted on the
 * built models (random weights) and computed from the shapes; nothing is timed.
 */
public final class SegmentationCost {
    private SegmentationCost() {}

    /** One row per setup. */
    public static Table table() {
        StringColumn setup = StringColumn.create("setup");
        StringColumn arch = StringColumn.create("backbone");
        StringColumn method = StringColumn.create("method");
        IntColumn prompts = IntColumn.create("prompts");
        LongColumn methodParams = LongColumn.create("method_params");
        LongColumn headParams = LongColumn.create("head_params");
        DoubleColumn trainableM = DoubleColumn.create("trainable_params_m");
        DoubleColumn forward = DoubleColumn.create("forward_gflop_per_image");
        DoubleColumn heads = DoubleColumn.create("heads_gflop_per_image");
        DoubleColumn train = DoubleColumn.create("train_tflop_per_iteration_b16");
        for (VitConfig base : List.of(VitConfig.VIT_B16, VitConfig.VIT_L16)) {
            VitConfig vc = base.withImageSize(512);
            List<String> recipes = base.depth() == 12 ? List.of("vpt-shallow", "vpt-deep", "gated", "head-only")
                    : List.of("vpt-deep", "cvpt", "head-only");
            try (NDManager m = NDManager.newBaseManager()) {
                VisionTransformer vit = VisionTransformer.create(vc, m);
                for (String r : recipes) {
                    SegConfig cfg = SegRecipes.ade20k(r, "(random weights)", "-").with(b -> b.taps = SegRecipes.taps(base.depth()));
                    long mp = 0;
                    if (cfg.method() != null) {
                        try (NDManager sub = m.newSubManager()) {
                            mp = cfg.method().model(vit, sub, Pooling.CLS, (hm, d, i) -> Head.NONE).trainableCount();
                        }
                    }
                    long hp = cfg.decodeHead((int) vc.embedDim()).parameterCount()
                            + (long) (cfg.taps().length - 1) * cfg.auxHead((int) vc.embedDim()).parameterCount();
                    setup.append(base.depth() == 12 ? "Gated PT Table 3 (ViT-B/16, decode + 2 aux)" : "CVPT / VPT (ViT-L/16, decode + 3 aux)");
                    arch.append(base.name());
                    method.append(cfg.method() == null ? "head-only" : cfg.method().id());
                    prompts.append(cfg.method() == null ? 0 : cfg.method().prompts());
                    methodParams.append(mp);
                    headParams.append(hp);
                    trainableM.append(Math.round((mp + hp) / 1e4) / 100.0);
                    forward.append(Math.round(2e-9 * SegMacs.forward(vc, cfg) * 10) / 10.0);
                    heads.append(Math.round(2e-9 * SegMacs.heads(vc, cfg) * 10) / 10.0);
                    train.append(Math.round(2e-12 * 16 * SegMacs.train(vc, cfg) * 100) / 100.0);
                }
            }
        }
        return Table.create("ADE20K SETR-PUP at 512x512: parameters and analytic FLOPs (ours, counted and computed)", setup, arch,
                method, prompts, methodParams, headParams, trainableM, forward, heads, train);
    }
}
