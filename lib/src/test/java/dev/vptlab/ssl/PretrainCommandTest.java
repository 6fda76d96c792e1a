package dev.vptlab.ssl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.cli.Main;
import dev.vptlab.data.FashionMnist;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vptlab pretrain} end to end on a tiny synthetic Fashion-MNIST folder. */
class PretrainCommandTest {
    @TempDir
    Path tmp;

    static void writeIdx(Path dir, FashionMnist f, String split) throws IOException {
        ByteArrayOutputStream img = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(img);
        d.writeInt(0x00000803);
        d.writeInt(f.size());
        d.writeInt(28);
        d.writeInt(28);
        for (byte[] b : f.images()) {
            d.write(b);
        }
        ByteArrayOutputStream lab = new ByteArrayOutputStream();
        DataOutputStream l = new DataOutputStream(lab);
        l.writeInt(0x00000801);
        l.writeInt(f.size());
        l.write(f.labels());
        Files.write(dir.resolve(split + "-images-idx3-ubyte"), img.toByteArray());
        Files.write(dir.resolve(split + "-labels-idx1-ubyte"), lab.toByteArray());
    }

    static void writeIdx(Path dir, FashionMnist f) throws IOException {
        writeIdx(dir, f, "train");
    }

    static int run(StringWriter so, StringWriter se, String... args) {
        return SslTestData.singleThreaded(() -> Main.run(args, new PrintWriter(so, true), new PrintWriter(se, true)));
    }

    @Test
    void pretrainWritesALoadableTrunkAndAManifestWithTheProbeAndTheCommands() throws IOException {
        writeIdx(tmp, SslTestData.synthetic(64, 3), "train");
        writeIdx(tmp, SslTestData.synthetic(40, 4), "t10k");
        Path out = tmp.resolve("sup.safetensors");
        StringWriter so = new StringWriter();
        StringWriter se = new StringWriter();
        int code = run(so, se, "pretrain", "--method", "supervised", "--data", tmp.toString(), "--train-subset", "48",
            "--batch-size", "16", "--seed", "7", "--log-every", "0", "--threads", "1", "--probe-train", "32", "--probe-test", "20",
            "--out", out.toString());
        assertEquals(0, code, se.toString());
        assertTrue(so.toString().contains("supervised: 48 images x 1 epochs (3 steps"), so.toString());
        assertTrue(so.toString().contains("linear probe (CLS pooling, 32 train / 20 test images): pretrained "), so.toString());
        Checkpoint c = Checkpoint.read(out);
        assertEquals("supervised", c.metadata().get("method"));
        assertEquals("7", c.metadata().get("seed"));
        assertEquals("CLS", c.metadata().get(TrunkFile.META_PROBE_POOLING));
        JsonObject j = TrunkFile.readManifest(TrunkFile.manifestPath(out));
        // the command as given, once "pretrain" (it used to read "vptlab pretrain pretrain ...")
        assertEquals("vptlab pretrain --method supervised --data " + tmp + " --train-subset 48 --batch-size 16 --seed 7 "
                + "--log-every 0 --threads 1 --probe-train 32 --probe-test 20 --out " + out, j.get("command").getAsString());
        assertEquals("vptlab pretrain --method supervised --epochs 1 --batch-size 16 --lr 0.001 --weight-decay 0.05 "
                + "--warmup-fraction 0.1 --seed 7 --train-subset 48 --data " + tmp + " --threads 1 --probe-train 32 "
                + "--probe-test 20 --out sup.safetensors", j.get("reproduce").getAsString());
        assertEquals(1, j.get("threads").getAsInt());
        JsonObject probe = j.getAsJsonObject("linear_probe");
        assertEquals("CLS", probe.get("pooling").getAsString());
        assertEquals(32, probe.get("train_images").getAsInt());
        assertEquals(20, probe.get("test_images").getAsInt());
        assertEquals("fashion-mnist/t10k[:20]", probe.get("test_split").getAsString());
        double acc = probe.get("accuracy").getAsDouble();
        double rnd = probe.get("random_init_accuracy").getAsDouble();
        assertTrue(acc >= 0 && acc <= 1 && rnd >= 0 && rnd <= 1, probe.toString());
        assertEquals(Math.round(10000 * (acc - rnd)) / 100.0, probe.get("margin_points").getAsDouble(), 1e-9);

        // --verify re-runs the recorded recipe: same seed, same thread count, same probe
        StringWriter vo = new StringWriter();
        StringWriter ve = new StringWriter();
        Path again = tmp.resolve("again").resolve("sup.safetensors");
        Files.createDirectories(again.getParent());
        code = run(vo, ve, "pretrain", "--verify", TrunkFile.manifestPath(out).toString(), "--data", tmp.toString(), "--threads",
            "1", "--log-every", "0", "--out", again.toString());
        assertEquals(0, code, ve.toString() + vo);
        assertTrue(vo.toString().contains(String.format(java.util.Locale.ROOT, "recorded %.2f%%, re-run %.2f%%, change +0.00 points",
                100 * acc, 100 * acc)), vo.toString());
        assertEquals(probe.get("accuracy"), TrunkFile.readManifest(TrunkFile.manifestPath(again)).getAsJsonObject("linear_probe")
                .get("accuracy"));

        // recipe options next to --verify are refused
        StringWriter eo = new StringWriter();
        StringWriter ee = new StringWriter();
        assertEquals(2, run(eo, ee, "pretrain", "--verify", TrunkFile.manifestPath(out).toString(), "--lr", "0.1"));
        assertTrue(ee.toString().contains("--verify takes the recipe from the manifest"), ee.toString());
    }

    /** A manifest with a field missing or of another type is a typed error naming the file, before any training. */
    @Test
    void aMalformedManifestIsATypedError() throws Exception {
        com.google.gson.JsonObject good;
        try (var in = PretrainCommandTest.class.getResourceAsStream("/dev/vptlab/embedded/mae.manifest.json")) {
            good = com.google.gson.JsonParser.parseString(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .getAsJsonObject();
        }
        String[][] cases = {{"epochs", null, "no epochs"}, {"epochs", "two", "not a vptlab pretrain manifest"},
            {"seed", null, "no seed"}};
        for (String[] c : cases) {
            com.google.gson.JsonObject j = good.deepCopy();
            j.remove(c[0]);
            if (c[1] != null) {
                j.addProperty(c[0], c[1]);
            }
            java.nio.file.Path f = tmp.resolve("bad-" + c[0] + (c[1] == null ? "" : "-" + c[1]) + ".manifest.json");
            java.nio.file.Files.writeString(f, j.toString());
            StringWriter se = new StringWriter();
            assertEquals(1, run(new StringWriter(), se, "pretrain", "--verify", f.toString()), se.toString());
            assertTrue(se.toString().contains(f.toString()) && se.toString().contains(c[2]), se.toString());
        }
    }

    @Test
    void methodAndOutAreRequiredWithoutVerify() {
        StringWriter se = new StringWriter();
        assertEquals(2, run(new StringWriter(), se, "pretrain", "--method", "mae"));
        assertTrue(se.toString().contains("Missing required option: --out"), se.toString());
    }

    @Test
    void unknownMethodIsAUsageError() {
        StringWriter se = new StringWriter();
        int code = Main.run(new String[] {"pretrain", "--method", "simclr", "--out", tmp.resolve("x").toString()},
                new PrintWriter(new StringWriter(), true), new PrintWriter(se, true));
        assertEquals(1, code);
        assertTrue(se.toString().contains("unknown pretraining method 'simclr'; known: mae, mocov3, supervised"), se.toString());
    }
}
