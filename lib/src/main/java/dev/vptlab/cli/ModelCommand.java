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

        @Option(names = "--classes", required = true, description = "Number of classes of the head.")
        int classes;

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
    }
}
