package dev.vptlab.cli;

import dev.vptlab.data.Splits;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.CheckpointSource;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.task.DataSources;
import dev.vptlab.data.FirstImages;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.mini.MiniBenchmark;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.ssl.FeatureSpread;
import dev.vptlab.ssl.LinearProbe;
import dev.vptlab.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vptlab checkpoint inspect|convert|features}. */
@Command(name = "checkpoint", description = "Inspect or convert backbone checkpoints (.pth, .pth.tar, .npz, .safetensors).",
        subcommands = {CheckpointCommand.Inspect.class, CheckpointCommand.Convert.class, CheckpointCommand.Features.class})
final class CheckpointCommand {

    /** Options shared by both subcommands. */
    static class Source {
        @Option(names = "--source", description = "Override the detected source: ${COMPLETION-CANDIDATES}.")
        CheckpointSource source;

        @Option(names = "--heads", description = "Attention head count, when the file does not say (weights cannot tell it).")
        Integer heads;
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Format, detected source, architecture, parameter count, strict-check result and ignored keys.")
    static final class Inspect implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE")
        Path file;

        @picocli.CommandLine.Mixin
        Source source = new Source();

        @Option(names = "--json", description = "Print one JSON object instead of text.")
        boolean json;

        @Option(names = {"-v", "--verbose"}, description = "List every ignored key instead of grouping them.")
        boolean verbose;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Checkpoint c = Checkpoint.read(file, source.source);
            Checkpoint.Architecture arch = c.architecture();
            // The strict check needs shapes only, so it runs even when the head count is unknown.
            BackboneLoader.match(c, BackboneLoader.expectedShapes(arch.shapes()), new ArrayList<>());
            String heads = source.heads != null ? String.valueOf(source.heads)
                    : arch.heads().isPresent() ? String.valueOf(arch.heads().getAsInt()) : "unknown";
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("file", file.toString());
            r.put("format", c.format().name());
            r.put("source", c.source().id());
            r.put("architecture", arch.name());
            r.put("embed_dim", arch.shapes().embedDim());
            r.put("depth", arch.shapes().depth());
            r.put("heads", heads);
            r.put("patch_size", arch.shapes().patchSize());
            r.put("image_size", arch.shapes().imageSize());
            r.put("mlp_hidden", arch.shapes().mlpHidden());
            r.put("tensors", c.tensors().size());
            r.put("parameters", c.parameterCount());
            r.put("strict_check", "ok");
            r.put("ignored", verbose || json ? c.ignored() : grouped(c.ignored()));
            r.put("other_entries", c.otherEntries());
            if (json) {
                out.println(new GsonBuilder().setPrettyPrinting().create().toJson(r));
                return 0;
            }
            out.printf("file:          %s%n", file);
            out.printf("format:        %s%n", c.format());
            out.printf("source:        %s%n", c.source().id());
            out.printf("architecture:  %s (D=%d, depth %d, heads %s, patch %d, image %d, MLP %d)%n", arch.name(),
                    arch.shapes().embedDim(), arch.shapes().depth(), heads + (heads.equals("unknown") ? ": pass --heads" : ""),
                    arch.shapes().patchSize(), arch.shapes().imageSize(), arch.shapes().mlpHidden());
            out.printf("trunk:         %d tensors, %,d parameters, strict check ok%n", c.tensors().size(), c.parameterCount());
            out.printf("ignored:       %d key(s) by rule%n", c.ignored().size());
            for (String g : (List<String>) r.get("ignored")) {
                out.println("  - " + g);
            }
            if (!c.otherEntries().isEmpty()) {
                out.printf("other entries: %s%n", String.join(", ", c.otherEntries()));
            }
            return 0;
        }

        /** "prefix.* (reason): N keys" per reason and top-level prefix. */
        private static List<String> grouped(List<String> ignored) {
            Map<String, Integer> groups = new TreeMap<>();
            for (String k : ignored) {
                int paren = k.lastIndexOf(" (");
                String key = k.substring(0, paren);
                String reason = k.substring(paren);
                String[] parts = key.split("[./]");
                String prefix = parts.length > 2 ? parts[0] + "." + parts[1] + ".*" : key;
                groups.merge(prefix + reason, 1, Integer::sum);
            }
            List<String> out = new ArrayList<>();
            groups.forEach((g, n) -> out.add(g + (n > 1 ? ": " + n + " keys" : "")));
            return out;
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Write the backbone under timm names as float32 safetensors (strictly checked first).")
    static final class Convert implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Parameters(index = "1", paramLabel = "OUT.safetensors")
        Path outFile;

        @picocli.CommandLine.Mixin
        Source source = new Source();

        @Override
        public Integer call() {
            Checkpoint c = Checkpoint.read(file, source.source);
            Checkpoint.Architecture arch = c.architecture();
            Map<String, RawTensor> trunk = BackboneLoader.match(c, BackboneLoader.expectedShapes(arch.shapes()), new ArrayList<>());
            Map<String, RawTensor> f32 = new LinkedHashMap<>();
            trunk.forEach((k, t) -> f32.put(k, RawTensor.ofFloats(t.shape(), t.toFloatArray())));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("converted_by", "vptlab");
            meta.put("converted_from", file.getFileName().toString());
            meta.put("source", c.source().id());
            meta.put(Checkpoint.META_ARCH, arch.name());
            Integer heads = source.heads != null ? source.heads : arch.heads().isPresent() ? arch.heads().getAsInt() : null;
            if (heads != null) {
                VitConfig checked = arch.config(file, heads);
                meta.put(Checkpoint.META_NUM_HEADS, String.valueOf(checked.numHeads()));
            }
            Safetensors.write(outFile, f32, meta);
            spec.commandLine().getOut().printf("wrote %s: %d tensors, %,d parameters (float32, timm names)%s%n", outFile,
                    f32.size(), c.parameterCount(), heads == null ? "; head count unknown, not recorded" : "");
            return 0;
        }
    }

    @Command(name = "features", mixinStandardHelpOptions = true,
            description = "How a tiny trunk's pooled features spread over a mini-benchmark split: what the images share "
                    + "(squared norm of the mean feature) against how they differ (total variance), and the largest "
                    + "principal component's share.")
    static final class Features implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "A vit_tiny12_fmnist trunk (e.g. one `vptlab pretrain` wrote).")
        Path file;

        @Option(names = "--task", defaultValue = "fm-item", description = "Mini-benchmark task (default ${DEFAULT-VALUE}).")
        String task;

        @Option(names = "--images", defaultValue = "800", description = "First N images of its training split (default ${DEFAULT-VALUE}).")
        int images;

        @Option(names = "--pooling", description = "${COMPLETION-CANDIDATES} (default: the trunk's probe pooling).")
        Pooling pooling;

        @picocli.CommandLine.Mixin
        MiniDataOptions data = new MiniDataOptions();

        @Override
        public Integer call() {
            Pooling p = pooling != null ? pooling : LinearProbe.poolingFor(file);
            Splits splits = DataSources.mini(task, data.dataRoot, MiniBenchmark.SIDE, 1, MiniBenchmark.task(task).classes(),
                    data.seed);
            ImageDataset d = FirstImages.of(splits.train(), images);
            FeatureSpread f;
            try (NDManager m = NDManager.newBaseManager()) {
                f = FeatureSpread.of(LinearProbe.features(BackboneLoader.load(file, m), p, d, 256));
            }
            spec.commandLine().getOut().printf(Locale.ROOT, "%s on %s (%d images), %s pooling: |mean|^2 %.2f, total variance %.3f "
                    + "(shared / variance %.1f), largest component %.0f %% of the variance%n", file.getFileName(), d.name(), f.images(),
                    p, f.meanSquaredNorm(), f.totalVariance(), f.sharedOverVariance(), 100 * f.topComponentShare());
            return 0;
        }
    }
}
