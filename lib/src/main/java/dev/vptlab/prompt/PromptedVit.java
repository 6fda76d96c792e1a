package dev.vptlab.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.model.VisionTransformer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A frozen ViT, a prompt method, a pooling rule and a classification head: the model every method
 * trains. The forward loop is written once here; methods only fill in its hooks.
 */
public final class PromptedVit {
    private final VisionTransformer vit;
    private final PromptMethod method;
    private final Pooling pooling;
    private final Head head;
    private final ParameterStore ps;

    public PromptedVit(VisionTransformer vit, PromptMethod method, Pooling pooling, Head head, NDManager manager) {
        this.vit = vit;
        this.method = method;
        this.pooling = pooling;
        this.head = head;
        this.ps = new ParameterStore(manager, false);
    }

    public VisionTransformer backbone() {
        return vit;
    }

    public PromptMethod method() {
        return method;
    }

    public Pooling pooling() {
        return pooling;
    }

    public Head head() {
        return head;
    }

    /** Logits [B, C] for images [B, C, H, W]. {@code training} enables prompt dropout and drop-path. */
    public NDArray forward(NDArray images, boolean training) {
        method.beginForward(ps, training);
        return forwardFrom(0, vit.embed(ps, images, false), training);
    }

    /**
     * The frozen prefix: tokens entering block k (0-based), for k ≤ {@link PromptMethod#firstTrainableBlock()}.
     * They depend on nothing trainable, so a trainer may compute them once per image and cache them.
     */
    public NDArray prefix(NDArray images, int k) {
        return prefixFrom(0, vit.embed(ps, images, false), k);
    }

    /**
     * Continues the frozen prefix: tokens entering block {@code to} from tokens entering block {@code from}.
     * The same operations as {@link #prefix} from there on, so a cache can be carried to a later block.
     */
    public NDArray prefixFrom(int from, NDArray tokens, int to) {
        if (to > method.firstTrainableBlock() || from > to) {
            throw new dev.vptlab.VptlabException("blocks " + from + ".." + to + " are not within the frozen prefix of " + method.id()
                    + " (first trainable block " + method.firstTrainableBlock() + ")");
        }
        NDArray x = tokens;
        for (int i = from; i < to; i++) {
            x = vit.block(ps, i, x, dev.vptlab.model.BlockOptions.PLAIN, false);
        }
        return x;
    }

    /** Runs blocks k..L−1 on tokens entering block k, then pooling and head. */
    public NDArray forwardFrom(int k, NDArray x, boolean training) {
        if (k > 0) {
            method.beginForward(ps, training);
        }
        for (int i = k; i < vit.depth(); i++) {
            NDArray in = method.beforeBlock(i, x, training);
            NDArray kept = method.keep(i, in);
            x = method.afterBlock(i, kept, vit.block(ps, i, in, method.options(ps, i, training), training));
        }
        return head.forward(pooling.apply(vit, ps, x, method.promptTokensInSequence(), false));
    }

    /**
     * Dense features for a segmentation decoder (SETR, Zheng et al. 2021, as mmsegmentation's {@code VisionTransformer}
     * with {@code final_norm=False} gives them): the outputs of blocks {@code taps} (0-based, ascending), each with CLS
     * and every prompt token dropped and the patch tokens reshaped row-major to [B, D, grid, grid]. No LayerNorm is
     * applied, the last tap included. The patch tokens are the sequence's last grid² tokens whatever the method put
     * before them (VPT's and gated prompts sit between CLS and the patches; CVPT adds none), so every method works
     * unchanged. Blocks after the last tap are not run.
     */
    public ai.djl.ndarray.NDList features(NDArray images, int[] taps, boolean training) {
        for (int j = 0; j < taps.length; j++) {
            if (taps[j] < 0 || taps[j] >= vit.depth() || (j > 0 && taps[j] <= taps[j - 1])) {
                throw new dev.vptlab.VptlabException("feature taps " + Arrays.toString(taps) + " must be ascending blocks in 0.."
                        + (vit.depth() - 1));
            }
        }
        method.beginForward(ps, training);
        NDArray x = vit.embed(ps, images, false);
        int grid = vit.config().gridSize();
        long d = vit.config().embedDim();
        ai.djl.ndarray.NDList out = new ai.djl.ndarray.NDList(taps.length);
        int next = 0;
        for (int i = 0; i <= taps[taps.length - 1]; i++) {
            NDArray in = method.beforeBlock(i, x, training);
            NDArray kept = method.keep(i, in);
            x = method.afterBlock(i, kept, vit.block(ps, i, in, method.options(ps, i, training), training));
            if (i == taps[next]) {
                long n = x.getShape().get(1);
                long b = x.getShape().get(0);
                NDArray patches = x.get(new ai.djl.ndarray.index.NDIndex(":, {}:, :", n - (long) grid * grid));
                out.add(patches.transpose(0, 2, 1).reshape(b, d, grid, grid));
                next++;
            }
        }
        return out;
    }

    /** Every trainable tensor, the method's then the head's, under vptlab's names. */
    public Map<String, NDArray> trainableParameters() {
        Map<String, NDArray> all = new LinkedHashMap<>(method.parameters());
        all.putAll(head.parameters());
        return all;
    }

    public long trainableCount() {
        return trainableParameters().values().stream().mapToLong(a -> a.getShape().size()).sum();
    }

    /** Frozen trunk plus everything trainable. */
    public long totalCount() {
        return vit.config().trunkParameterCount() + trainableCount();
    }

    /** Trainable counts by group: prompts, gates, temperatures, cross-attention weights, head. */
    public Map<String, Long> parameterGroups() {
        Map<String, Long> g = new LinkedHashMap<>();
        trainableParameters().forEach((name, a) -> {
            String group = name.startsWith("head.") ? "head" : name.startsWith("cross_attn.") ? "cross-attention weights"
                    : name.endsWith("prompts") ? "prompts" : name.equals("gate_logits") ? "gates"
                    : name.equals("temperatures") ? "temperatures" : name;
            g.merge(group, a.getShape().size(), Long::sum);
        });
        return g;
    }

    /**
     * Loads trainable values saved by vptlab or by the official implementations (official names are
     * mapped by {@link OfficialNames}). Every trainable tensor must be present with its exact shape;
     * nothing is changed unless the whole file fits.
     */
    public void loadTrainable(Map<String, RawTensor> saved, String source) {
        Map<String, NDArray> mine = trainableParameters();
        Map<String, RawTensor> byName = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        saved.forEach((k, t) -> {
            String n = mine.containsKey(k) ? k : OfficialNames.toVptlab(k);
            if (n == null || !mine.containsKey(n)) {
                unknown.add(k);
            } else {
                byName.put(n, t);
            }
        });
        List<String> problems = new ArrayList<>();
        mine.forEach((n, a) -> {
            RawTensor t = byName.get(n);
            long[] want = a.getShape().getShape();
            if (t == null) {
                problems.add("missing '" + n + "' " + Arrays.toString(want));
            } else if (!Arrays.equals(t.shape(), want)) {
                problems.add("'" + n + "' has shape " + Arrays.toString(t.shape()) + ", the model needs " + Arrays.toString(want)
                        + hint(n, want));
            }
        });
        if (!unknown.isEmpty()) {
            problems.add("unknown key(s) " + unknown);
        }
        if (!problems.isEmpty()) {
            throw new PromptFileException(source + ": trainable parameters do not fit " + method.id() + ": "
                    + String.join("; ", problems));
        }
        byName.forEach((n, t) -> dev.vptlab.model.InPlace.copy(mine.get(n), t.toFloatArray()));
    }

    private String hint(String name, long[] want) {
        return switch (name) {
            case "gate_logits" -> " (one gate per block 1..L-1, L = " + vit.depth() + ")";
            case "temperatures" -> " (one temperature per block, L = " + vit.depth() + ")";
            default -> "";
        };
    }

    /** Loads a file of trained tensors in any format {@link TrainedFile} reads. */
    public void loadTrainable(Path file) {
        loadTrainable(TrainedFile.read(file, vit), file.toString());
    }

    /** Saves the trainable tensors under vptlab's names, with the method id in the metadata (atomic write). */
    public void saveTrainable(Path file) {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        trainableParameters().forEach((n, a) -> out.put(n, RawTensor.ofFloats(a.getShape().getShape(), a.toFloatArray())));
        Safetensors.write(file, out, Map.of("method", method.id(), "pooling", pooling.name(),
                "backbone", vit.config().name()));
    }
}
