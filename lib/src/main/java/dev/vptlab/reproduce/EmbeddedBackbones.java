package dev.vptlab.reproduce;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.util.AtomicFiles;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.Pooling;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The tiny MAE, MoCo v3 and supervised trunks shipped inside the library ({@code
 * /dev/vptlab/embedded/<name>.safetensors}, made by {@code vptlab pretrain}; their manifests say how),
 * copied to files because run records name their backbone by path.
 */
public final class EmbeddedBackbones {
    public static final String RESOURCE_DIR = "/dev/vptlab/embedded/";
    public static final String[] NAMES = {"mae", "mocov3", "supervised"};

    private EmbeddedBackbones() {}

    /** True when this build carries the named trunk. */
    public static boolean present(String name) {
        return EmbeddedBackbones.class.getResource(RESOURCE_DIR + name + ".safetensors") != null;
    }

    /**
     * The representation a prompted model's head reads on an embedded trunk, as its manifest's probe says
     * ({@code linear_probe.pooling}): supervised, the CLS token (VPT, CVPT); MAE and MoCo v3, the token mean (with
     * the prompts, as Gated PT's code pools MAE). MoCo v3 takes the mean, not Gated PT's CLS token, because the
     * embedded MoCo v3 trunk's CLS token probes no better than a random trunk at its pretraining budget while its
     * patch tokens do (docs/embedded-backbones.md); with CLS the mini study measured noise (chance-level fm-position).
     */
    public static Pooling promptPooling(String name) {
        return name.equals("supervised") ? Pooling.CLS : Pooling.MEAN_PROMPTS_AND_PATCHES;
    }

    /**
     * Which embedded trunk {@code file} is, by content (byte for byte, whatever its name or folder), or null when it
     * is none of them (or no file).
     */
    public static String identify(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            long size = Files.size(file);
            byte[] bytes = null;
            for (java.util.Map.Entry<String, byte[]> e : Resources.BYTES.entrySet()) {
                if (e.getValue().length != size) { // a checkpoint of another size is never read
                    continue;
                }
                if (bytes == null) {
                    bytes = Files.readAllBytes(file);
                }
                if (java.util.Arrays.equals(bytes, e.getValue())) {
                    return e.getKey();
                }
            }
            return null;
        } catch (IOException e) {
            throw new VptlabException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** The embedded trunks' bytes, read once (a few MB in all): plans identify many backbone files. */
    private static final class Resources {
        static final java.util.Map<String, byte[]> BYTES = read();

        private static java.util.Map<String, byte[]> read() {
            java.util.Map<String, byte[]> m = new java.util.LinkedHashMap<>();
            for (String name : NAMES) {
                try (InputStream in = EmbeddedBackbones.class.getResourceAsStream(RESOURCE_DIR + name + ".safetensors")) {
                    if (in != null) {
                        m.put(name, in.readAllBytes());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return java.util.Collections.unmodifiableMap(m);
        }
    }

    /** The manifest (JSON text) of an embedded trunk, or null. */
    public static String manifest(String name) {
        try (InputStream in = EmbeddedBackbones.class.getResourceAsStream(RESOURCE_DIR + name + ".manifest.json")) {
            return in == null ? null : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The three trunks as files under {@code dir}. A trunk this build lacks is an error, unless
     * {@code randomIfMissing}: then a random-init trunk of the same architecture is written instead and
     * {@code note} is told so (smoke runs only: their numbers mean nothing).
     */
    public static Reproduce.Backbones extract(Path dir, boolean randomIfMissing, Consumer<String> note) {
        return new Reproduce.Backbones(extract("mae", dir, randomIfMissing, note), extract("mocov3", dir, randomIfMissing, note),
                extract("supervised", dir, randomIfMissing, note));
    }

    public static Path extract(String name, Path dir, boolean randomIfMissing, Consumer<String> note) {
        Path target = dir.resolve(name + ".safetensors");
        try (InputStream in = EmbeddedBackbones.class.getResourceAsStream(RESOURCE_DIR + name + ".safetensors")) {
            if (in != null) {
                byte[] bytes = in.readAllBytes();
                if (!Files.exists(target) || !java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
                    Files.createDirectories(dir);
                    AtomicFiles.write(target, ch -> ch.write(java.nio.ByteBuffer.wrap(bytes)));
                }
                return target;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!randomIfMissing) {
            throw new VptlabException("no embedded " + name + " checkpoint in this build; pass a tiny trunk made by 'vptlab pretrain --method "
                    + name + " --out FILE'");
        }
        Path random = dir.resolve("random-" + name + ".safetensors");
        if (!Files.exists(random)) {
            VitConfig c = VitConfig.VIT_TINY12_FMNIST;
            try (NDManager m = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(name.hashCode());
                VisionTransformer vit = VisionTransformer.create(c, m);
                Map<String, RawTensor> t = new LinkedHashMap<>();
                vit.namedParameters().forEach((k, prm) -> t.put(k, RawTensor.ofFloats(prm.getArray().getShape().getShape(),
                        prm.getArray().toFloatArray())));
                Safetensors.write(random, t, Map.of(Checkpoint.META_NUM_HEADS, String.valueOf(c.numHeads()), Checkpoint.META_ARCH,
                        c.name(), "note", "random init (smoke profile), not pretrained"));
            }
        }
        note.accept("no embedded " + name + " checkpoint in this build: using a RANDOM-INIT trunk " + random);
        return random;
    }
}
