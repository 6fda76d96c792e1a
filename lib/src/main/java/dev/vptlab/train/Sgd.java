package dev.vptlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vptlab.checkpoint.RawTensor;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.optim.SGD} with dampening 0 and no Nesterov, as Gated Prompt Tuning trains (official
 * code, {@code src/solver/optimizer.py}, {@code make_optimizer}): g ← grad + wd·p; v ← μ·v + g (v = g on
 * a tensor's first step); p ← p − lr·v.
 *
 * <p>The learning rate multiplies the buffer at update time, not when the buffer is filled (DJL's
 * built-in SGD folds it in), so the epoch-0 steps at lr = 0 (GatedPT's warm-up starts at 0) leave the parameters
 * unchanged yet still fill the buffer that epoch 1 starts from. Tensors without a gradient are
 * skipped, buffer untouched, as torch skips {@code p.grad is None}; gradients are zeroed after
 * the update.
 */
public final class Sgd implements Optimizer {
    static final String MOMENTUM_BUFFER = "momentum_buffer";

    private final double momentum;
    private final double weightDecay;
    private final PerTensorState state;

    /** Gated PT's setting: momentum 0.9, weight decay 0. */
    public Sgd() {
        this(0.9, 0.0);
    }

    /**
     * @param momentum μ in [0, 1); 0 keeps no buffer (plain SGD), as torch does
     * @param weightDecay L2 coefficient added to the gradient (coupled decay), ≥ 0
     */
    public Sgd(double momentum, double weightDecay) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.state = new PerTensorState("SGD", momentum == 0 ? List.of() : List.of(MOMENTUM_BUFFER), null);
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
            NDArray d = g;
            if (weightDecay != 0) {
                d = TorchGrad.own(scope, g.add(TorchGrad.own(scope, p.mul((float) weightDecay))));
            }
            if (momentum != 0) {
                PerTensorState.Slot slot = state.slot(name, p);
                if (slot == null) {
                    // torch: buf = clone(d_p) on the first step, no μ·0 term
                    NDArray buf = d.duplicate();
                    buf.attach(p.getManager());
                    state.create(name, buf);
                    d = buf;
                } else {
                    d = slot.arrays[0].muli((float) momentum).addi(d);
                }
            }
            // The scalars are passed as float: torch converts Python scalars to the tensor's float32 too.
            p.subi(TorchGrad.own(scope, d.mul((float) lr)));
            TorchGrad.zero(p, g);
        }
    }

    /** {@code <param>.momentum_buffer} per tensor that has taken a step (none when momentum is 0). */
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
        return "SGD(momentum=" + momentum + ", weight_decay=" + weightDecay + ")";
    }
}
