package dev.vptlab.seg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sizes, costs, names and initialisation of the SETR-PUP head. */
class SetrPupTest {
    @Test
    void headParameterCountsMatchThePapers() {
        // ViT-B (768), decode + 2 aux, 150 classes: 8.38M (Gated PT's ADE20K setup)
        assertEquals(3_581_078L, SetrPup.decode(768, 150).parameterCount());
        assertEquals(2_400_406L, SetrPup.aux(768, 150).parameterCount());
        assertEquals(8_381_890L, SetrPup.decode(768, 150).parameterCount() + 2 * SetrPup.aux(768, 150).parameterCount());
        // ViT-L (1024), decode + 3 aux: 13.14M (CVPT's / VPT's ADE20K head)
        long vitL = SetrPup.decode(1024, 150).parameterCount() + 3 * SetrPup.aux(1024, 150).parameterCount();
        assertEquals(13_143_640L, vitL);
        assertEquals(13.14, vitL / 1e6, 0.005);
    }

    @Test
    void macsGiveTheAnalyticHeadCost() {
        SetrPup d = SetrPup.decode(768, 150);
        SetrPup a = SetrPup.aux(768, 150);
        // decode at 32x32: convs at 32, 64, 128, 256 and the classifier at 512
        long dec = 32L * 32 * 768 * 256 * 9 + (64L * 64 + 128L * 128 + 256L * 256) * 256 * 256 * 9 + 512L * 512 * 256 * 150;
        assertEquals(dec, d.macs(32));
        long aux = 32L * 32 * 768 * 256 * 9 + 128L * 128 * 256 * 256 * 9 + 512L * 512 * 256 * 150;
        assertEquals(aux, a.macs(32));
        double gflop = 2.0 * (d.macs(32) + 2 * a.macs(32)) / 1e9;   // ≈ 211 GFLOP per image for the three heads
        assertEquals(211, gflop, 1.0);
        assertEquals(512, d.outputSize(32));
        assertEquals(512, a.outputSize(32));
    }

    @Test
    void namesShapesAndInitialisationFollowMmseg() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(7);
            SetrPup cfg = new SetrPup(64, 128, 2, 2, 10);
            SetrPupHead head = new SetrPupHead(m, "auxiliary_head.0.", cfg);
            assertEquals(List.of("norm.weight", "norm.bias", "up_convs.0.0.conv.weight", "up_convs.0.0.bn.weight",
                    "up_convs.0.0.bn.bias", "up_convs.1.0.conv.weight", "up_convs.1.0.bn.weight", "up_convs.1.0.bn.bias",
                    "conv_seg.weight", "conv_seg.bias"), List.copyOf(head.parameters().keySet()));
            assertEquals(List.of("up_convs.0.0.bn.running_mean", "up_convs.0.0.bn.running_var", "up_convs.1.0.bn.running_mean",
                    "up_convs.1.0.bn.running_var"), List.copyOf(head.buffers().keySet()));
            assertEquals("auxiliary_head.0.up_convs.1.0.conv.weight", head.parameters().get("up_convs.1.0.conv.weight").getName());
            long n = head.parameters().values().stream().mapToLong(a -> a.getShape().size()).sum();
            assertEquals(cfg.parameterCount(), n);
            assertEquals(new Shape(128, 64, 3, 3), head.parameters().get("up_convs.0.0.conv.weight").getShape());
            assertEquals(new Shape(10, 128, 1, 1), head.parameters().get("conv_seg.weight").getShape());
            double kaiming = Math.sqrt(2.0 / (128 * 9));
            assertEquals(kaiming, std(head.parameters().get("up_convs.1.0.conv.weight")), 0.03 * kaiming);
            assertEquals(0.01, std(head.parameters().get("conv_seg.weight")), 0.001);
            assertArrayEquals(new float[64], head.parameters().get("norm.bias").toFloatArray());
            for (String k : List.of("norm.weight", "up_convs.0.0.bn.weight", "up_convs.1.0.bn.running_var")) {
                NDArray a = head.parameters().containsKey(k) ? head.parameters().get(k) : head.buffers().get(k);
                for (float v : a.toFloatArray()) {
                    assertEquals(1f, v, k);
                }
            }
            assertEquals(0f, head.parameters().get("conv_seg.bias").abs().sum().getFloat());
            NDArray out = head.forward(m.randomNormal(new Shape(2, 64, 3, 3)), true);
            assertEquals(new Shape(2, 10, 12, 12), out.getShape());
            assertThrows(IllegalArgumentException.class, () -> head.forward(m.zeros(new Shape(2, 63, 3, 3)), false));
        }
    }

    @Test
    void trainingStepsDoNotGrowTheManager() {
        try (NDManager m = NDManager.newBaseManager()) {
            SetrPupHead head = new SetrPupHead(m, "decode_head.", new SetrPup(8, 4, 2, 2, 3));
            NDArray x = m.randomNormal(new Shape(2, 8, 4, 4));
            int before = -1;
            for (int i = 0; i < 5; i++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray in = x.duplicate();
                    in.attach(step);
                    head.forward(in, true).close();
                }
                int now = m.getManagedArrays().size();
                if (i == 1) {
                    before = now;
                } else if (i > 1) {
                    assertEquals(before, now, "arrays left in the head's manager after step " + i);
                }
            }
            assertTrue(before > 0);
        }
    }

    private static double std(NDArray a) {
        float[] v = a.toFloatArray();
        double s = 0;
        double s2 = 0;
        for (float x : v) {
            s += x;
            s2 += (double) x * x;
        }
        double mean = s / v.length;
        return Math.sqrt(s2 / v.length - mean * mean);
    }
}
