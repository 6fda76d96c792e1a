package dev.vptlab.cli;

import ai.djl.ndarray.NDManager;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptedVit;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vptlab model summary}: trainable parameters by group, counted on the real model. */
@Command(name = "model", description = "Describe prompted models.", subcommands = ModelCommand.Summary.class)
final class ModelCommand {
    @Command(name = "summary", mixinStandardHelpOptions = true,
            description = "Build a prompted model (random weights) and print its trainable parameters by group.")
    static final class Summary implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--arch", defaultValue = "vit_b16", description = "Backbone preset (default ${DEFAULT-VALUE}).")
        String arch;

        @picocli.CommandLine.Mixin
        MethodOptions methodOptions = new MethodOptions();

        @Option(names = "--classes", description = "Number of classes of the head (required for classification; ade20k: 150).")
        Integer classes;

        @Option(names = "--task", description = "ade20k: the SETR-PUP decode head and the auxiliary heads instead of a linear head"
                + " (ViT-L: 3 auxiliary heads, as CVPT's config; otherwise 2, as Gated PT).")
        String task;

        @Option(names = "--pooling", description = "Override the pooling: ${COMPLETION-CANDIDATES} (default: CLS).")
        Pooling pooling;

        @Override
        public Integer call() {
            VitConfig config = VitConfig.named(arch);
            if (methodOptions.method == null || methodOptions.prompts == null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--method and --prompts are required");
            }
            MethodConfig mc = MethodOptions.applySettings(MethodConfig.of(methodOptions.method, methodOptions.prompts),
                    methodOptions.given());
            PrintWriter out = spec.commandLine().getOut();
            if ("ade20k".equals(task)) {
                return segmentation(config, mc, classes == null ? 150 : classes, out);
            }
            if (task != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--task: only ade20k changes the head");
            }
            if (classes == null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--classes is required");
            }
            try (NDManager m = NDManager.newBaseManager()) {
                VisionTransformer vit = VisionTransformer.create(config, m);
                PromptedVit model = mc.model(vit, m, pooling == null ? Pooling.CLS : pooling, classes);
                out.printf("model: %s + %s, %d prompts%s, %d classes, pooling %s%n", config.name(), model.method().id(),
                        mc.prompts(), mc.settings().isEmpty() ? "" : " " + mc.settings(), classes, model.pooling());
                out.println("trainable parameters by group:");
                for (Map.Entry<String, Long> e : model.parameterGroups().entrySet()) {
                    out.printf("  %-24s %,12d%n", e.getKey(), e.getValue());
                }
                long trainable = model.trainableCount();
                out.printf("  %-24s %,12d  (%.3f%% of %,d)%n", "total trainable", trainable, 100.0 * trainable / model.totalCount(),
                        model.totalCount());
                out.printf("frozen backbone            %,12d%n", config.trunkParameterCount());
            }
            return 0;
        }

        /** The prompt method's groups on the real model, and the SETR-PUP heads counted from their shapes. */
        private int segmentation(VitConfig config, MethodConfig mc, int classes, PrintWriter out) {
            int aux = dev.vptlab.seg.SegRecipes.taps(config.depth()).length - 1; // the recipe's taps, the last one decodes
            int d = (int) config.embedDim();
            dev.vptlab.seg.SetrPup decode = dev.vptlab.seg.SetrPup.decode(d, classes);
            dev.vptlab.seg.SetrPup auxHead = dev.vptlab.seg.SetrPup.aux(d, classes);
            try (NDManager m = NDManager.newBaseManager()) {
                VisionTransformer vit = VisionTransformer.create(config, m);
                PromptedVit model = mc.model(vit, m, Pooling.CLS, (hm, dim, init) -> dev.vptlab.prompt.Head.NONE);
                out.printf("model: %s + %s, %d prompts%s, ADE20K SETR-PUP (decode + %d auxiliary heads), %d classes%n",
                        config.name(), model.method().id(), mc.prompts(), mc.settings().isEmpty() ? "" : " " + mc.settings(), aux,
                        classes);
                out.println("trainable parameters by group:");
                for (Map.Entry<String, Long> e : model.parameterGroups().entrySet()) {
                    out.printf("  %-24s %,12d%n", e.getKey(), e.getValue());
                }
                long heads = decode.parameterCount() + aux * auxHead.parameterCount();
                out.printf("  %-24s %,12d%n", "decode head", decode.parameterCount());
                out.printf("  %-24s %,12d  (%d x %,d)%n", "auxiliary heads", aux * auxHead.parameterCount(), aux,
                        auxHead.parameterCount());
                out.printf("  %-24s %,12d  (%.2fM)%n", "heads", heads, heads / 1e6);
                long trainable = model.trainableCount() + heads;
                long total = config.trunkParameterCount() + trainable;
                out.printf("  %-24s %,12d  (%.2fM; %.3f%% of %,d)%n", "total trainable", trainable, trainable / 1e6,
                        100.0 * trainable / total, total);
                out.printf("frozen backbone            %,12d%n", config.trunkParameterCount());
                memory(config, mc, model.trainableCount(), classes, out);
            }
            return 0;
        }

        /** {@link dev.vptlab.seg.SegMemory}'s analytic training memory of the ADE20K recipe shape (batch 16, 512² crops). */
        private static void memory(VitConfig config, MethodConfig mc, long methodParameters, int classes, PrintWriter out) {
            dev.vptlab.seg.SegConfig cfg = dev.vptlab.seg.SegRecipes.ade20k("head-only", "(random weights)", "-").with(b -> {
                b.method = mc;
                b.taps = dev.vptlab.seg.SegRecipes.taps(config.depth());
                b.classes = classes;
            });
            dev.vptlab.seg.SegMemory mem = dev.vptlab.seg.SegMemory.of(config.withImageSize(cfg.crop()), cfg, cfg.batchSize(),
                    methodParameters);
            double gib = 1L << 30;
            out.printf("training memory per iteration (analytic, fp32, batch %d, %dx%d crops):%n", cfg.batchSize(), cfg.crop(),
                    cfg.crop());
            out.printf("  %-34s %8.2f GiB%n", "activations saved, backbone", mem.backboneBytes() / gib);
            out.printf("  %-34s %8.2f GiB%n", "activations saved, heads + losses", mem.headBytes() / gib);
            out.printf("  %-34s %8.3f GiB%n", "parameters + gradients + momentum", mem.parameterBytes() / gib);
            out.printf("  %-34s %8.2f GiB%n", "total", mem.total() / gib);
        }
    }
}
