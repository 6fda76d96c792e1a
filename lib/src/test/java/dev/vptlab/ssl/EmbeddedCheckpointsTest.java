package dev.vptlab.ssl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.data.FashionMnist;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.Pooling;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tiny trunks committed under {@code lib/src/main/resources/dev/vptlab/embedded/}: each loads strictly
 * from its classpath resource, carries a manifest that matches it, and beats a random-init trunk (the
 * one its pretraining started from, same pooling) under a linear probe small enough for a unit test.
 * The probe is deterministic (fixed images, no augmentation, a deterministic solver, one engine
 * thread), so the margins below are the same on every run; docs/embedded-backbones.md lists them.
 */
class EmbeddedCheckpointsTest {
    static final String DIR = "/dev/vptlab/embedded/";
    /** First images of Fashion-MNIST train / t10k for the small probe. */
    static final int PROBE_TRAIN = 2000;
    static final int PROBE_TEST = 1000;
    /** The least accepted margin over the random-init trunk, in accuracy points, at the small probe. */
    static final double MIN_MARGIN_POINTS = 2.0;
    /** The least margin the manifest must record for its own (larger) probe. */
    static final double MIN_RECORDED_MARGIN_POINTS = 2.0;

    @TempDir
    static Path tmp;

    private static final Map<Pooling, Double> RANDOM = new EnumMap<>(Pooling.class);

    static Path extract(String name) {
        Path target = tmp.resolve(name + ".safetensors");
        if (!Files.exists(target)) {
            try (InputStream in = EmbeddedCheckpointsTest.class.getResourceAsStream(DIR + name + ".safetensors")) {
                assertNotNull(in, "no classpath resource " + DIR + name + ".safetensors");
                Files.write(target, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return target;
    }

    static JsonObject manifest(String name) {
        try (InputStream in = EmbeddedCheckpointsTest.class.getResourceAsStream(DIR + name + ".manifest.json")) {
            assertNotNull(in, "no classpath resource " + DIR + name + ".manifest.json");
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean fashionMnistInstalled() {
        try {
            FashionMnist.locate();
            return true;
        } catch (VptlabException e) {
            return false;
        }
    }

    @BeforeAll
    static void warmUp() {
        ai.djl.engine.Engine.getInstance();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mae", "mocov3", "supervised"})
    void loadsStrictlyFromTheClasspathWithAMatchingManifest(String name) {
        Path file = extract(name);
        Map<String, String> meta = Checkpoint.read(file).metadata();
        assertEquals(name, meta.get("method"));
        assertEquals(VitConfig.VIT_TINY12_FMNIST.name(), meta.get(Checkpoint.META_ARCH));
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = BackboneLoader.load(file, m); // strict: every trunk tensor once, nothing else
            assertEquals(VitConfig.VIT_TINY12_FMNIST, vit.config());
        }
        JsonObject j = manifest(name);
        assertEquals(name + ".safetensors", j.get("file").getAsString());
        assertEquals(name, j.get("method").getAsString());
        assertEquals(meta.get("seed"), j.get("seed").getAsString());
        assertEquals("0", meta.get("seed"), "the embedded trunks use the default seed");
        assertTrue(j.get("command").getAsString().startsWith("vptlab pretrain --method " + name + " "), j.get("command").toString());
        assertTrue(j.get("reproduce").getAsString().startsWith("vptlab pretrain --method " + name + " "), j.get("reproduce").toString());
        JsonObject probe = j.getAsJsonObject("linear_probe");
        assertEquals(LinearProbe.poolingFor(file).name(), probe.get("pooling").getAsString());
        double recorded = 100 * (probe.get("accuracy").getAsDouble() - probe.get("random_init_accuracy").getAsDouble());
        assertTrue(recorded >= MIN_RECORDED_MARGIN_POINTS, name + ": the manifest records a margin of " + recorded + " points");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mae", "mocov3", "supervised"})
    void beatsARandomInitTrunkUnderALinearProbe(String name) {
        assumeTrue(fashionMnistInstalled(), "Fashion-MNIST is not installed (environment/install-prerequisites.sh)");
        Path file = extract(name);
        Pooling pooling = LinearProbe.poolingFor(file);
        FashionMnistImages train = FashionMnistImages.load("train", PROBE_TRAIN);
        FashionMnistImages test = FashionMnistImages.load("t10k", PROBE_TEST);
        double trained = SslTestData.singleThreaded(() -> LinearProbe.evaluate(file, train, test)).testAccuracy();
        double random = randomInit(pooling, train, test);
        double margin = 100 * (trained - random);
        System.out.printf(Locale.ROOT, "%s (%s, probe %d/%d): pretrained %.2f%%, random init %.2f%%, margin %+.2f points%n", name,
                pooling, PROBE_TRAIN, PROBE_TEST, 100 * trained, 100 * random, margin);
        assertTrue(margin >= MIN_MARGIN_POINTS, String.format(Locale.ROOT,
                "%s: linear probe %.2f%% vs random init %.2f%% (%s pooling, %d/%d images): margin %.2f < %.1f points", name,
                100 * trained, 100 * random, pooling, PROBE_TRAIN, PROBE_TEST, margin, MIN_MARGIN_POINTS));
    }

    /** The random-init trunk that pretraining starts from with the default seed 0, probed the same way (cached per pooling). */
    static synchronized double randomInit(Pooling pooling, FashionMnistImages train, FashionMnistImages test) {
        return RANDOM.computeIfAbsent(pooling, p -> SslTestData.singleThreaded(
                () -> LinearProbe.evaluateRandomInit(VitConfig.VIT_TINY12_FMNIST, 0, p, train, test)).testAccuracy());
    }
}
