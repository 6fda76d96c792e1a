package dev.vptlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vptlab.checkpoint.RawTensor;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.optim.AdamW} (amsgrad off), as CVPT trains through timm's
 * {@code create_optimizer_v2(..., 'AdamW')} (official {@code train.py}): decoupled decay p ← p·(1 − lr·wd),
 * then Adam with bias correction and eps added outside the square root. The decay applies to every
 * tensor passed in; CVPT gives timm a flat list, so prompts and the head bias are decayed too (no no-decay group).
 *
 * <p>The arithmetic follows torch 1.13's single-tensor path step by step, scalars in double and
 * converted to float32 where they meet a tensor, which keeps fp32 results within rounding of torch:
 * <pre>
 *   t += 1;  p *= 1 − lr·wd
 *   m = β1·m + (1 − β1)·g;   v = β2·v + (1 − β2)·g²
 *   step_size = lr / (1 − β1^t)
 *   denom = sqrt(v) / sqrt(1 − β2^t) + eps
 *   p −= step_size · m / denom
 * </pre>
 * The step count t is kept per tensor, as torch's {@code state[p]['step']}. Tensors without a
 * gradient are skipped (no decay either), as torch skips {@code p.grad is None}.
 */
public final class AdamW implements Optimizer {
    static final String EXP_AVG = "exp_avg";
    static final String EXP_AVG_SQ = "exp_avg_sq";
    static final String STEP = "step";

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final PerTensorState state = new PerTensorState("AdamW", List.of(EXP_AVG, EXP_AVG_SQ), STEP);

    /** CVPT's setting: betas (0.9, 0.999), eps 1e-8, the given weight decay (CVPT uses 0.05). */
    public AdamW(double weightDecay) {
        this(0.9, 0.999, 1e-8, weightDecay);
    }

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("eps and weight decay must be >= 0, got " + eps + ", " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(Map<String, NDArray> params, double lr) {
        TorchGrad.withoutAutograd(() -> params.forEach((name, p) -> update(name, p, lr)));
    }

    private void update(String name, NDArray p, double lr) {
        try (NDManager scope = p.getManager().newSubManager()) {
            NDArray g = TorchGrad.gradient(p, scope);
            if (g == null) {
                return;
            }
            PerTensorState.Slot slot = state.slot(name, p);
            if (slot == null) {
                NDManager m = p.getManager();
                slot = state.create(name, m.zeros(p.getShape(), p.getDataType(), p.getDevice()),
                        m.zeros(p.getShape(), p.getDataType(), p.getDevice()));
            }
            NDArray expAvg = slot.arrays[0];
            NDArray expAvgSq = slot.arrays[1];
            long t = ++slot.count;

            p.muli((float) (1 - lr * weightDecay));
            expAvg.muli((float) beta1).addi(TorchGrad.own(scope, g.mul((float) (1 - beta1))));
            // torch: exp_avg_sq.mul_(β2).addcmul_(g, g, value=1 − β2)
            NDArray gg = TorchGrad.own(scope, g.mul(g));
            expAvgSq.muli((float) beta2).addi(gg.muli((float) (1 - beta2)));

            double biasCorrection1 = 1 - Math.pow(beta1, t);
            double biasCorrection2 = 1 - Math.pow(beta2, t);
            double stepSize = lr / biasCorrection1;
            // Divide by sqrt(bc2) after the elementwise sqrt, then add eps: torch's order, not sqrt(v̂) + eps.
            NDArray denom = TorchGrad.own(scope, expAvgSq.sqrt())
                    .divi((float) Math.sqrt(biasCorrection2))
                    .addi((float) eps);
            // torch: param.addcdiv_(exp_avg, denom, value=−step_size)
            NDArray ratio = TorchGrad.own(scope, expAvg.div(denom));
            p.subi(ratio.muli((float) stepSize));
            TorchGrad.zero(p, g);
        }
    }

    /** {@code <param>.exp_avg}, {@code <param>.exp_avg_sq} (F32) and {@code <param>.step} (I64 [1]). */
    @Override
    public Map<String, RawTensor> state() {
        return state.export();
    }

    @Override
    public void loadState(Map<String, RawTensor> saved, String source) {
        state.load(saved, source);
    }

    @Override
    public String describe() {
        return "AdamW(betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", weight_decay=" + weightDecay + ")";
    }
}
