package dev.vptlab.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict loading of a trunk: every expected tensor exactly once with its shape, nothing left over except
 * keys ignored by rule, fp32. All checks run on shapes before any weight is copied, so a failing file
 * changes nothing. This is stricter than upstream on purpose: the official GatedPT code
 * ({@code src/models/build_vit_backbone.py}) loads with {@code load_state_dict(strict=False)}, so a wrong
 * file or key prefix trains on a random trunk without an error.
 */
public final class BackboneLoader {
    private BackboneLoader() {}

    /**
     * Reads {@code file}, builds the architecture it describes and loads it (frozen). The architecture is
     * bounded ({@link Checkpoint#architecture()}) and the strict check runs on shapes alone before the model is
     * built, so a file that lies about its size fails before the engine allocates anything.
     */
    public static VisionTransformer load(Path file, NDManager manager) {
        Checkpoint c = Checkpoint.read(file);
        return build(c, c.architecture().config(file), manager);
    }

    /**
     * Builds {@code config} (image size may differ from the checkpoint's) and loads {@code file} into it,
     * after the strict check.
     */
    public static VisionTransformer load(Path file, VitConfig config, NDManager manager) {
        return build(Checkpoint.read(file), config, manager);
    }

    private static VisionTransformer build(Checkpoint checkpoint, VitConfig config, NDManager manager) {
        List<String> notes = new ArrayList<>();
        Map<String, RawTensor> matched = match(checkpoint, expectedShapes(config), notes);
        VisionTransformer vit = VisionTransformer.create(config, manager);
        copy(vit, checkpoint, matched, notes);
        return vit;
    }

    /**
     * The strict check of {@code checkpoint} against {@code config}'s timm names and shapes, on shapes alone:
     * callers that build the trunk themselves run it first, so that a file that lies fails before any allocation.
     */
    public static void check(Checkpoint checkpoint, VitConfig config) {
        match(checkpoint, expectedShapes(config), new ArrayList<>());
    }

    /** Checks {@code checkpoint} against the trunk's timm names and shapes, then copies the weights. */
    public static LoadReport loadInto(VisionTransformer vit, Checkpoint checkpoint) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        vit.namedParameters().forEach((k, p) -> shapes.put(k, p.getArray().getShape().getShape()));
        List<String> notes = new ArrayList<>();
        return copy(vit, checkpoint, match(checkpoint, shapes, notes), notes);
    }

    private static LoadReport copy(VisionTransformer vit, Checkpoint checkpoint, Map<String, RawTensor> matched,
            List<String> notes) {
        Map<String, Parameter> expected = vit.namedParameters();
        long params = 0;
        for (Map.Entry<String, RawTensor> e : matched.entrySet()) {
            NDArray target = expected.get(e.getKey()).getArray();
            dev.vptlab.model.InPlace.copy(target, e.getValue().toFloatArray());
            params += e.getValue().numel();
        }
        return new LoadReport(checkpoint.file(), checkpoint.format(), checkpoint.source(), matched.size(), params,
                checkpoint.ignored(), notes);
    }

    /**
     * The strict check on shapes alone (no engine needed): returns the tensors to load, in the expected
     * order, resampling {@code pos_embed} to another grid when only the grid differs.
     */
    public static Map<String, RawTensor> match(Checkpoint checkpoint, Map<String, long[]> expected, List<String> notes) {
        List<String> missing = new ArrayList<>();
        List<String> misshaped = new ArrayList<>();
        Map<String, RawTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String key = e.getKey();
            RawTensor t = checkpoint.tensors().get(key);
            if (t == null) {
                missing.add(key);
                continue;
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                RawTensor resized = key.equals("pos_embed") ? resizePosEmbed(t, e.getValue(), notes) : null;
                if (resized == null) {
                    misshaped.add(key + " " + Arrays.toString(t.shape()) + " (expected " + Arrays.toString(e.getValue()) + ")");
                    continue;
                }
                t = resized;
            }
            if (!t.dtype().isFloating()) {
                misshaped.add(key + " has integer dtype " + t.dtype());
                continue;
            }
            out.put(key, t);
        }
        List<String> unexpected = checkpoint.tensors().keySet().stream().filter(k -> !expected.containsKey(k)).toList();
        if (!missing.isEmpty() || !misshaped.isEmpty() || !unexpected.isEmpty()) {
            throw new CheckpointMismatchException(checkpoint.file(), missing, unexpected, misshaped);
        }
        return out;
    }

    private static RawTensor resizePosEmbed(RawTensor t, long[] want, List<String> notes) {
        long[] have = t.shape();
        if (have.length != 3 || want.length != 3 || have[2] != want[2]) {
            return null;
        }
        long g0 = Math.round(Math.sqrt(have[1] - 1));
        long g1 = Math.round(Math.sqrt(want[1] - 1));
        if (g0 * g0 != have[1] - 1 || g1 * g1 != want[1] - 1) {
            return null;
        }
        notes.add("pos_embed resampled " + g0 + "x" + g0 + " -> " + g1 + "x" + g1 + " (bicubic, CLS kept)");
        return PosEmbed.resample(t, (int) g1);
    }

    /** Expected shapes of a config's trunk without building it (same names as {@link VisionTransformer}). */
    public static Map<String, long[]> expectedShapes(VitConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.embedDim();
        long h = c.mlpHidden();
        m.put("cls_token", new long[] {1, 1, d});
        m.put("pos_embed", new long[] {1, c.numTokens(), d});
        m.put("patch_embed.proj.weight", new long[] {d, c.inChannels(), c.patchSize(), c.patchSize()});
        m.put("patch_embed.proj.bias", new long[] {d});
        for (int i = 0; i < c.depth(); i++) {
            String p = "blocks." + i + ".";
            m.put(p + "norm1.weight", new long[] {d});
            m.put(p + "norm1.bias", new long[] {d});
            m.put(p + "attn.qkv.weight", new long[] {3 * d, d});
            if (c.qkvBias()) {
                m.put(p + "attn.qkv.bias", new long[] {3 * d});
            }
            m.put(p + "attn.proj.weight", new long[] {d, d});
            m.put(p + "attn.proj.bias", new long[] {d});
            m.put(p + "norm2.weight", new long[] {d});
            m.put(p + "norm2.bias", new long[] {d});
            m.put(p + "mlp.fc1.weight", new long[] {h, d});
            m.put(p + "mlp.fc1.bias", new long[] {h});
            m.put(p + "mlp.fc2.weight", new long[] {d, h});
            m.put(p + "mlp.fc2.bias", new long[] {d});
        }
        m.put("norm.weight", new long[] {d});
        m.put("norm.bias", new long[] {d});
        return m;
    }

    /** Shape of an NDArray as a long[] (helper for callers comparing with {@link #expectedShapes}). */
    static long[] dims(Shape s) {
        return s.getShape();
    }
}
