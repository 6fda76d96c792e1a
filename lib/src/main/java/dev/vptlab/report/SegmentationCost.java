package dev.vptlab.report;

import ai.djl.ndarray.NDManager;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.Head;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.seg.SegConfig;
import dev.vptlab.seg.SegMacs;
import dev.vptlab.seg.SegMemory;
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
 * built models (random weights) and computed from the shapes; nothing is timed. The training memory per iteration at
 * batch 16 in float32 is {@link SegMemory}'s analytic estimate: the activations autograd keeps for backward (trunk
 * and heads) and the trainable tensors with their gradients and SGD momentum.
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
        DoubleColumn actBackbone = DoubleColumn.create("activation_gib_backbone_b16");
        DoubleColumn actHeads = DoubleColumn.create("activation_gib_heads_b16");
        DoubleColumn activation = DoubleColumn.create("activation memory / iteration (GiB, analytic)");
        DoubleColumn paramsOpt = DoubleColumn.create("params+grads+momentum_gib");
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
                    SegMemory mem = SegMemory.of(vc, cfg, 16, mp);
                    actBackbone.append(gib(mem.backboneBytes(), 10));
                    actHeads.append(gib(mem.headBytes(), 10));
                    activation.append(gib(mem.activationBytes(), 10));
                    paramsOpt.append(gib(mem.parameterBytes(), 1000));
                }
            }
        }
        return Table.create("ADE20K SETR-PUP at 512x512: parameters, analytic FLOPs and training memory (ours, counted and computed)", setup, arch,
                method, prompts, methodParams, headParams, trainableM, forward, heads, train, actBackbone, actHeads, activation,
                paramsOpt);
    }

    private static double gib(long bytes, int scale) {
        return Math.round(bytes / (double) (1L << 30) * scale) / (double) scale;
    }
}
