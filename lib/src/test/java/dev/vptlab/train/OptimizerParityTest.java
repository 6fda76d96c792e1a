package dev.vptlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.testutil.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sgd and AdamW against real {@code torch.optim} runs (fixtures from
 * {@code lib/src/test/python/make_optim_fixtures.py}): five steps with fixed gradients and changing
 * learning rates, parameters compared after every step and the state after the last, max relative
 * error ≤ 1e-6 (fp32 both sides). Also: resuming from {@code state()} equals an uninterrupted run
 * bit for bit, and malformed state is refused with the source, key and shapes named.
 */
class OptimizerParityTest {
    static final double TOL = 1e-6;
    static final int STEPS = 5;

    /** A fixture: initial values, gradients per step, learning rates, expected values. */
    record Case(String name, Map<String, RawTensor> t) {
        static Case load(String name) {
            return new Case(name, Fixtures.tensors(Fixtures.root().resolve("optim").resolve(name + ".safetensors")));
        }

        List<String> paramNames() {
            return t.keySet().stream().filter(k -> k.startsWith("init.")).map(k -> k.substring(5)).sorted().toList();
        }

        double lr(int step) {
            return t.get("lr").toFloatArray()[step - 1];
        }

        RawTensor grad(int step, String p) {
            return t.get("grad." + step + "." + p);
        }

        Optimizer newOptimizer() {
            return switch (name) {
                case "sgd_momentum" -> new Sgd(0.9, 0.0);
                case "sgd_wd" -> new Sgd(0.9, 1e-4);
                case "adamw" -> new AdamW(0.05);
                default -> throw new IllegalArgumentException(name);
            };
        }
    }

    static Map<String, NDArray> params(NDManager m, Case c, String prefix) {
        Map<String, NDArray> ps = new LinkedHashMap<>();
        for (String n : c.paramNames()) {
            NDArray p = Fixtures.array(m, c.t().get(prefix + n));
            p.setRequiresGradient(true);
            ps.put(n, p);
        }
        return ps;
    }

    /** grad = g exactly: d/dp sum(p·g) is g times the all-ones seed. */
    static void injectGradients(NDManager m, Map<String, NDArray> ps, Case c, int step) {
        try (NDManager s = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            ps.forEach((n, p) -> {
                NDArray g = Fixtures.array(s, c.grad(step, n));
                NDArray loss = p.mul(g).sum();
                loss.attach(s);
                gc.backward(loss);
            });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd_momentum", "sgd_wd", "adamw"})
    void matchesTorchAfterEveryStep(String name) {
        Case c = Case.load(name);
        Optimizer opt = c.newOptimizer();
        double worst = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> ps = params(m, c, "init.");
            for (int k = 1; k <= STEPS; k++) {
                injectGradients(m, ps, c, k);
                opt.step(ps, c.lr(k));
                for (String n : c.paramNames()) {
                    double e = Fixtures.relErr(ps.get(n), c.t().get("after." + k + "." + n));
                    worst = Math.max(worst, e);
                    assertTrue(e <= TOL, name + " step " + k + " " + n + " rel err " + e);
                    float[] g = ps.get(n).getGradient().toFloatArray();
                    for (float x : g) {
                        assertEquals(0f, x, name + ": gradient of " + n + " not zeroed after step " + k);
                    }
                }
            }
            Map<String, RawTensor> state = opt.state();
            Map<String, RawTensor> expected = new TreeMap<>();
            c.t().forEach((k, v) -> {
                if (k.startsWith("state.")) {
                    expected.put(k.substring(6), v);
                }
            });
            assertEquals(expected.keySet(), new TreeMap<>(state).keySet(), name + " state keys");
            double worstState = 0;
            for (Map.Entry<String, RawTensor> e : expected.entrySet()) {
                RawTensor got = state.get(e.getKey());
                assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
                if (e.getKey().endsWith(".step")) {
                    assertEquals(STEPS, got.toFloatArray()[0], e.getKey());
                } else {
                    double err = Fixtures.relErr(got.toFloatArray(), e.getValue().toFloatArray());
                    worstState = Math.max(worstState, err);
                    assertTrue(err <= TOL, name + " state " + e.getKey() + " rel err " + err);
                }
            }
            System.out.printf("%s: max rel err params %.3g, state %.3g%n", name, worst, worstState);
        }
    }

    /** At lr = 0 nothing moves, but the buffer fills: after steps 1–2 of sgd_momentum it is 0.9·g1 + g2. */
    @Test
    void sgdAccumulatesMomentumAtZeroLearningRate() {
        Case c = Case.load("sgd_momentum");
        assertEquals(0.0, c.lr(1));
        assertEquals(0.0, c.lr(2));
        Sgd opt = new Sgd();
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> ps = params(m, c, "init.");
            for (int k = 1; k <= 2; k++) {
                injectGradients(m, ps, c, k);
                opt.step(ps, 0.0);
            }
            for (String n : c.paramNames()) {
                assertArrayEquals(c.t().get("init." + n).toFloatArray(), ps.get(n).toFloatArray(), n + " moved at lr 0");
                float[] g1 = c.grad(1, n).toFloatArray();
                float[] g2 = c.grad(2, n).toFloatArray();
                float[] buf = opt.state().get(n + ".momentum_buffer").toFloatArray();
                for (int i = 0; i < buf.length; i++) {
                    assertEquals(0.9f * g1[i] + g2[i], buf[i], 1e-6f * (Math.abs(g1[i]) + Math.abs(g2[i])));
                }
            }
        }
    }

    /** Two steps, state() saved to a file and loaded into a fresh optimizer, three more steps. */
    @ParameterizedTest
    @ValueSource(strings = {"sgd_momentum", "sgd_wd", "adamw"})
    void resumeFromStateEqualsUninterruptedRun(String name, @TempDir Path dir) {
        Case c = Case.load(name);
        try (NDManager m = NDManager.newBaseManager()) {
            Optimizer straight = c.newOptimizer();
            Map<String, NDArray> a = params(m, c, "init.");
            for (int k = 1; k <= STEPS; k++) {
                injectGradients(m, a, c, k);
                straight.step(a, c.lr(k));
            }

            Optimizer first = c.newOptimizer();
            Map<String, NDArray> b = params(m, c, "init.");
            for (int k = 1; k <= 2; k++) {
                injectGradients(m, b, c, k);
                first.step(b, c.lr(k));
            }
            Path file = dir.resolve("opt.safetensors");
            Safetensors.write(file, first.state(), Map.of());
            Optimizer resumed = c.newOptimizer();
            resumed.loadState(Safetensors.read(file).tensors(), file.toString());
            // Restored state not yet stepped is exported unchanged.
            assertEquals(first.state().keySet(), resumed.state().keySet());
            Map<String, NDArray> r = new LinkedHashMap<>();
            b.forEach((n, p) -> {
                NDArray q = m.create(p.toFloatArray(), p.getShape());
                q.setRequiresGradient(true);
                r.put(n, q);
            });
            for (int k = 3; k <= STEPS; k++) {
                injectGradients(m, r, c, k);
                resumed.step(r, c.lr(k));
            }
            for (String n : c.paramNames()) {
                assertArrayEquals(a.get(n).toFloatArray(), r.get(n).toFloatArray(), name + " " + n);
            }
            Map<String, RawTensor> s1 = straight.state();
            Map<String, RawTensor> s2 = resumed.state();
            assertEquals(s1.keySet(), s2.keySet());
            s1.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), s2.get(k).toFloatArray(), k));
        }
    }

    @Test
    void unknownStateKeyIsRefusedWithSourceAndKey() {
        Map<String, RawTensor> bad = Map.of("head.weight.exp_avg", RawTensor.ofFloats(new long[] {2}, new float[2]));
        VptlabException e = assertThrows(VptlabException.class, () -> new Sgd().loadState(bad, "ckpt/opt.safetensors"));
        assertTrue(e.getMessage().contains("ckpt/opt.safetensors") && e.getMessage().contains("head.weight.exp_avg"),
                e.getMessage());
    }

    @Test
    void incompleteAdamStateIsRefused() {
        Map<String, RawTensor> bad = Map.of("p.exp_avg", RawTensor.ofFloats(new long[] {2}, new float[2]));
        VptlabException e = assertThrows(VptlabException.class, () -> new AdamW(0.05).loadState(bad, "x.st"));
        assertTrue(e.getMessage().contains("p.exp_avg_sq"), e.getMessage());
    }

    @Test
    void misshapenStateIsRefusedAtTheNextStepNamingShapes() {
        Map<String, RawTensor> bad = Map.of("head.weight.momentum_buffer",
                RawTensor.ofFloats(new long[] {4, 8}, new float[32]));
        Sgd opt = new Sgd();
        opt.loadState(bad, "run/opt.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.zeros(new Shape(5, 8));
            p.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(p.sum());
            }
            VptlabException e = assertThrows(VptlabException.class, () -> opt.step(Map.of("head.weight", p), 0.1));
            String msg = e.getMessage();
            assertTrue(msg.contains("run/opt.safetensors") && msg.contains("head.weight.momentum_buffer")
                    && msg.contains("[4, 8]") && msg.contains("[5, 8]"), msg);
        }
    }

    @Test
    void misshapenStateForAKnownParameterIsRefusedAtLoad() {
        Sgd opt = new Sgd();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.ones(new Shape(3));
            p.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(p.sum());
            }
            opt.step(Map.of("w", p), 0.1);
            Map<String, RawTensor> before = opt.state();
            Map<String, RawTensor> bad = Map.of("w.momentum_buffer", RawTensor.ofFloats(new long[] {2}, new float[2]));
            VptlabException e = assertThrows(VptlabException.class, () -> opt.loadState(bad, "f.st"));
            assertTrue(e.getMessage().contains("[2]") && e.getMessage().contains("[3]"), e.getMessage());
            // a failed load leaves the state as it was
            assertArrayEquals(before.get("w.momentum_buffer").toFloatArray(), opt.state().get("w.momentum_buffer").toFloatArray());
        }
    }

    /** Frozen tensors and tensors no backward pass reached are left alone, with no state (torch skips grad None). */
    @Test
    void tensorsWithoutGradientAreSkipped() {
        for (Optimizer opt : List.of(new Sgd(0.9, 1e-4), new AdamW(0.05))) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray frozen = m.ones(new Shape(4));
                NDArray untouched = m.ones(new Shape(4));
                untouched.setRequiresGradient(true);
                opt.step(Map.of("frozen", frozen, "untouched", untouched), 0.5);
                assertArrayEquals(new float[] {1, 1, 1, 1}, frozen.toFloatArray());
                assertArrayEquals(new float[] {1, 1, 1, 1}, untouched.toFloatArray());
                assertTrue(opt.state().isEmpty(), opt.describe() + " " + opt.state().keySet());
                assertFalse(frozen.hasGradient());
            }
        }
    }

    /** The step runs fine with autograd on (as inside a trainer that keeps grad mode enabled). */
    @Test
    void stepWorksEvenIfCalledWhileAutogradIsRecording() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.ones(new Shape(2));
            p.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(p.mul(m.create(new float[] {1, 2})).sum());
                new AdamW(0.0).step(Map.of("p", p), 0.1);
            }
            float[] v = p.toFloatArray();
            assertEquals(0.9f, v[0], 1e-6f);
            assertEquals(0.9f, v[1], 1e-6f);
        }
    }

    /** A float step count, as torch 1.13 keeps it (0-dim F32), is accepted and continues counting. */
    @Test
    void adamStepCountRestoresFromFloat() {
        AdamW opt = new AdamW(0.0);
        opt.loadState(Map.of("p.exp_avg", RawTensor.ofFloats(new long[] {2}, new float[] {0, 0}),
                "p.exp_avg_sq", RawTensor.ofFloats(new long[] {2}, new float[] {0, 0}),
                "p.step", RawTensor.ofFloats(new long[] {}, new float[] {3})), "torch");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.ones(new Shape(2));
            p.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(p.sum());
            }
            opt.step(Map.of("p", p), 0.1);
            RawTensor step = opt.state().get("p.step");
            assertArrayEquals(new long[] {1}, step.shape());
            assertEquals(4L, step.data().getLong(0));
        }
        Map<String, RawTensor> fractional = Map.of("p.exp_avg", RawTensor.ofFloats(new long[] {1}, new float[1]),
                "p.exp_avg_sq", RawTensor.ofFloats(new long[] {1}, new float[1]),
                "p.step", RawTensor.ofFloats(new long[] {1}, new float[] {2.5f}));
        assertThrows(VptlabException.class, () -> new AdamW(0.0).loadState(fractional, "x"));
    }

    @Test
    void describeNamesTheHyperParameters() {
        assertTrue(new Sgd().describe().startsWith("SGD(momentum=0.9"), new Sgd().describe());
        assertTrue(new AdamW(0.05).describe().contains("weight_decay=0.05"), new AdamW(0.05).describe());
    }

    @Test
    void fixturesExist() {
        for (String n : List.of("sgd_momentum", "sgd_wd", "adamw")) {
            assertTrue(Files.isRegularFile(Fixtures.root().resolve("optim").resolve(n + ".safetensors")), n);
        }
    }
}
