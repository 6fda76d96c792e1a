package dev.vptlab.ssl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import com.google.gson.GsonBuilder;
import dev.vptlab.util.AtomicFiles;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.prompt.Pooling;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A pretrained trunk on disk: the trunk's tensors only (no decoder, projector, predictor, momentum
 * encoder or head), under timm's names, as safetensors with the metadata {@code BackboneLoader} needs
 * ({@value Checkpoint#META_NUM_HEADS}, {@value Checkpoint#META_ARCH}) plus {@code method}, {@code epochs},
 * {@code seed}, {@code final_loss} and {@value #META_PROBE_POOLING}; and {@code <name>.manifest.json} beside
 * it with the command as given, settings, losses, wall time and software versions (the CLI adds an
 * explicit reproducing command, the thread count and the linear probe). Both are written atomically.
 */
public final class TrunkFile {
    /** Metadata key: the {@link Pooling} a linear probe of this trunk reads. */
    public static final String META_PROBE_POOLING = "probe_pooling";

    private TrunkFile() {}

    /**
     * @param probePooling the representation the linear probe reads ({@value #META_PROBE_POOLING} metadata)
     * @param extra manifest entries placed right after {@code command} (e.g. {@code reproduce}, {@code threads})
     */
    public static void write(Path file, VisionTransformer vit, Pooling probePooling, PretrainResult r, PretrainOptions o,
            String command, Map<String, ?> extra) {
        Map<String, RawTensor> tensors = new LinkedHashMap<>();
        vit.namedParameters().forEach((name, p) -> {
            NDArray a = p.getArray();
            tensors.put(name, RawTensor.ofFloats(a.getShape().getShape(), a.toFloatArray()));
        });
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Checkpoint.META_NUM_HEADS, String.valueOf(vit.config().numHeads()));
        meta.put(Checkpoint.META_ARCH, vit.config().name());
        meta.put("method", r.method());
        meta.put("epochs", String.valueOf(r.epochs()));
        meta.put("seed", String.valueOf(o.seed()));
        meta.put("final_loss", String.format(Locale.ROOT, "%.6f", r.finalLoss()));
        meta.put(META_PROBE_POOLING, probePooling.name());
        Safetensors.write(file, tensors, meta);

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", file.getFileName().toString());
        m.put("command", command);
        m.putAll(extra);
        m.put("method", r.method());
        m.put("arch", vit.config().name());
        m.put("seed", o.seed());
        m.put("epochs", r.epochs());
        m.put("steps", r.steps());
        m.put("train_images", r.trainImages());
        m.put("batch_size", o.batchSize());
        m.put("lr", o.lr());
        m.put("weight_decay", o.weightDecay());
        m.put("beta2", o.beta2());
        m.put("warmup_fraction", o.warmupFraction());
        m.put("final_loss", r.finalLoss());
        m.put("final_loss_window_steps", Math.min(PretrainResult.FINAL_WINDOW, r.stepLosses().size()));
        m.put("epoch_losses", r.epochLosses());
        m.put("wall_seconds", Math.round(r.wallSeconds() * 10) / 10.0);
        m.put("written_at", Instant.now().toString());
        m.put("versions", versions());
        AtomicFiles.writeString(manifestPath(file), new GsonBuilder().setPrettyPrinting().create().toJson(m) + "\n");
    }

    /**
     * Adds (or replaces) top-level entries of the manifest beside {@code file}, keeping the others and
     * their order; rewritten atomically. Used to record what was measured after the trunk was saved
     * (the linear probe).
     */
    public static void updateManifest(Path file, Map<String, ?> entries) {
        Path manifest = manifestPath(file);
        com.google.gson.JsonObject j = readManifest(manifest);
        com.google.gson.Gson gson = new GsonBuilder().setPrettyPrinting().create();
        entries.forEach((k, v) -> j.add(k, gson.toJsonTree(v)));
        AtomicFiles.writeString(manifest, gson.toJson(j) + "\n");
    }

    /** A manifest file parsed as JSON. */
    public static com.google.gson.JsonObject readManifest(Path manifest) {
        try {
            return com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(manifest)).getAsJsonObject();
        } catch (java.io.IOException | RuntimeException e) {
            throw new dev.vptlab.VptlabException(manifest + ": cannot read the manifest (" + e.getMessage() + ")");
        }
    }

    /** {@code dir/name.safetensors} → {@code dir/name.manifest.json}. */
    public static Path manifestPath(Path file) {
        String n = file.getFileName().toString();
        String stem = n.endsWith(".safetensors") ? n.substring(0, n.length() - ".safetensors".length()) : n;
        return file.resolveSibling(stem + ".manifest.json");
    }

    static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        String own = TrunkFile.class.getPackage().getImplementationVersion();
        v.put("vptlab", own == null ? "dev" : own);
        v.put("djl", Engine.getDjlVersion());
        v.put("pytorch", Engine.getInstance().getVersion());
        v.put("java", System.getProperty("java.version"));
        return v;
    }
}
