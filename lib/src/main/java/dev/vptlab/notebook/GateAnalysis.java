package dev.vptlab.notebook;

import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.prompt.GatedPrompts;
import dev.vptlab.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a trained Gated PT run learned (Yoo et al. §4.1, Fig. 4): the gate σ(γ_l) after each block l = 1..L−1,
 * the selection ratio of each block's prompt output in the final prompts, and the attention temperature of
 * each block, read from the run's {@code trainable.safetensors} (or its last checkpoint) without building
 * the model.
 *
 * @param gates σ(γ_l), empty when the run had gates off
 * @param selectionRatios {@link #selectionRatios(float[], boolean)} without the input share
 * @param temperatures clamped τ_l, empty when the run had the temperature off
 */
public record GateAnalysis(float[] gates, double[] selectionRatios, float[] temperatures) {
    public static GateAnalysis of(Path runDir) {
        Path f = runDir.resolve(Trainer.TRAINABLE_FILE);
        if (!Files.exists(f)) {
            f = runDir.resolve(Trainer.STATE_FILE);
        }
        if (!Files.exists(f)) {
            throw new VptlabException(runDir + ": no " + Trainer.TRAINABLE_FILE + " or " + Trainer.STATE_FILE + " (has the run trained?)");
        }
        Map<String, RawTensor> t = Safetensors.read(f).tensors();
        RawTensor logits = find(t, "gate_logits");
        RawTensor temps = find(t, "temperatures");
        if (logits == null && temps == null) {
            throw new VptlabException(f + ": holds no gate_logits or temperatures; is it a Gated PT run?");
        }
        float[] g = logits == null ? new float[0] : GatedPrompts.sigmoid(logits.toFloatArray());
        return new GateAnalysis(g, g.length == 0 ? new double[0] : selectionRatios(g, false),
                temps == null ? new float[0] : GatedPrompts.clampTemperatures(temps.toFloatArray()));
    }

    private static RawTensor find(Map<String, RawTensor> t, String name) {
        RawTensor v = t.get(name);
        return v != null ? v : t.get("param/" + name);
    }

    /** As doubles, for charts. */
    public static double[] doubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /**
     * Selection ratio per block (Yoo et al., Fig. 4): g̃_l = g_l·Π_{k>l}(1 − g_k), the weight of block l's
     * prompt output in the final prompts (Eq. 8), normalised r_l = g̃_l / Σ_j g̃_j.
     *
     * @param g the gate values σ(γ_l), l = 1..L−1
     * @param includeInput also count the weight Π_k(1 − g_k) of the input prompts in the normaliser; the
     *     paper does not say whether its figure does
     */
    public static double[] selectionRatios(float[] g, boolean includeInput) {
        double[] w = new double[g.length];
        double tail = 1;
        for (int l = g.length - 1; l >= 0; l--) {
            w[l] = g[l] * tail;
            tail *= 1 - g[l];
        }
        double sum = java.util.Arrays.stream(w).sum() + (includeInput ? tail : 0);
        for (int l = 0; l < w.length; l++) {
            w[l] /= sum;
        }
        return w;
    }
}
