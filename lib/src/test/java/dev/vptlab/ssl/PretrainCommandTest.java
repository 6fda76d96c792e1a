package dev.vptlab.ssl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    static void writeIdx(Path dir, FashionMnist f) throws IOException {
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
        Files.write(dir.resolve("train-images-idx3-ubyte"), img.toByteArray());
        Files.write(dir.resolve("train-labels-idx1-ubyte"), lab.toByteArray());
    }

    @Test
    void pretrainWritesALoadableTrunkAndManifest() throws IOException {
        writeIdx(tmp, SslTestData.synthetic(64, 3));
        Path out = tmp.resolve("sup.safetensors");
        StringWriter so = new StringWriter();
        StringWriter se = new StringWriter();
        int code = SslTestData.singleThreaded(() -> Main.run(new String[] {"pretrain", "--method", "supervised", "--data",
            tmp.toString(), "--train-subset", "48", "--batch-size", "16", "--seed", "7", "--log-every", "0", "--out",
            out.toString()}, new PrintWriter(so, true), new PrintWriter(se, true)));
        assertEquals(0, code, se.toString());
        assertTrue(so.toString().contains("supervised: 48 images x 1 epochs (3 steps"), so.toString());
        Checkpoint c = Checkpoint.read(out);
        assertEquals("supervised", c.metadata().get("method"));
        assertEquals("7", c.metadata().get("seed"));
        assertTrue(Files.readString(TrunkFile.manifestPath(out)).contains(
                "\"command\": \"vptlab pretrain --method supervised --data"));
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
