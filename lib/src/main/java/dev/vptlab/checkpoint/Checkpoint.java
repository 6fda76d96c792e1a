package dev.vptlab.checkpoint;

import dev.vptlab.model.VitConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A checkpoint read from disk and remapped to timm names: the trunk candidates, the keys ignored by
 * rule (with reasons), and the container's non-state-dict entries (epoch, optimizer, …).
 *
 * @param tensors trunk candidates under timm names; keys no rule recognised are kept under their
 *     own names so the strict check reports them
 * @param ignored source keys knowingly dropped, each with its reason
 * @param otherEntries top-level container entries that are not the state dict
 * @param metadata safetensors metadata (empty for other formats)
 */
public record Checkpoint(Path file, CheckpointFormat format, CheckpointSource source, Map<String, RawTensor> tensors,
        List<String> ignored, List<String> otherEntries, Map<String, String> metadata) {

    /** Metadata key vptlab writes with the head count, which the weights cannot tell (spec §1.5). */
    public static final String META_NUM_HEADS = "num_heads";
    public static final String META_ARCH = "arch";

    /** Reads any supported file, detecting format and source. */
    public static Checkpoint read(Path file) {
        return read(file, null);
    }

    /** Reads a file; {@code source} overrides detection when not null. */
    public static Checkpoint read(Path file, CheckpointSource source) {
        CheckpointFormat format = CheckpointFormat.detect(file);
        Map<String, RawTensor> state = new LinkedHashMap<>();
        List<String> other = new ArrayList<>();
        Map<String, String> metadata = Map.of();
        CheckpointSource detected;
        switch (format) {
            case SAFETENSORS -> {
                Safetensors.Contents c = Safetensors.read(file);
                state.putAll(c.tensors());
                metadata = c.metadata();
                detected = flatSource(state);
            }
            case NPZ -> {
                state.putAll(Npz.read(file));
                detected = CheckpointSource.GOOGLE_NPZ;
            }
            case TORCH_ZIP -> {
                Object root = TorchZipReader.read(file);
                if (!(root instanceof Map<?, ?> top)) {
                    throw new CheckpointFormatException(file, "top-level object is a "
                            + (root == null ? "None" : root.getClass().getSimpleName()) + ", not a dict of tensors");
                }
                Object container;
                if (top.get("model") instanceof Map<?, ?> m) {
                    container = m;
                    detected = CheckpointSource.MAE;
                } else if (top.get("state_dict") instanceof Map<?, ?> m) {
                    container = m;
                    boolean pretrain = m.keySet().stream().anyMatch(k -> String.valueOf(k).contains("base_encoder."));
                    detected = pretrain ? CheckpointSource.MOCO_V3_PRETRAIN : CheckpointSource.MOCO_V3_LINEAR;
                } else {
                    container = top;
                    detected = null;
                }
                if (container != top) {
                    for (Object k : top.keySet()) {
                        if (top.get(k) != container) {
                            other.add(String.valueOf(k));
                        }
                    }
                }
                for (Map.Entry<?, ?> e : ((Map<?, ?>) container).entrySet()) {
                    if (e.getValue() instanceof RawTensor t) {
                        state.put(String.valueOf(e.getKey()), t);
                    } else {
                        other.add(e.getKey() + " (not a tensor)");
                    }
                }
                if (detected == null) {
                    detected = flatSource(state);
                }
            }
            default -> throw new IllegalStateException(format.toString());
        }
        CheckpointSource use = source != null ? source : detected;
        KeyMaps.Remapped r = KeyMaps.remap(file, use, state);
        return new Checkpoint(file, format, use, r.tensors(), List.copyOf(r.ignored()), List.copyOf(other), Map.copyOf(metadata));
    }

    /** A flat dict: MoCo-style if its keys carry DDP's {@code module.} prefix, else timm. */
    private static CheckpointSource flatSource(Map<String, RawTensor> state) {
        boolean module = !state.isEmpty() && state.keySet().stream().allMatch(k -> k.startsWith("module."));
        if (module) {
            boolean pretrain = state.keySet().stream().anyMatch(k -> k.startsWith("module.base_encoder."));
            return pretrain ? CheckpointSource.MOCO_V3_PRETRAIN : CheckpointSource.MOCO_V3_LINEAR;
        }
        return CheckpointSource.TIMM;
    }

    /** Number of scalar parameters in the trunk candidates. */
    public long parameterCount() {
        return tensors.values().stream().mapToLong(RawTensor::numel).sum();
    }

    private static final Pattern BLOCK_KEY = Pattern.compile("blocks\\.(\\d+)\\..*");

    /**
     * The architecture the tensors describe: width, depth, patch, image size and MLP width from the
     * shapes; the head count from vptlab metadata or a matching preset, else unknown.
     */
    public Architecture architecture() {
        RawTensor patch = require("patch_embed.proj.weight");
        RawTensor pos = require("pos_embed");
        RawTensor fc1 = require("blocks.0.mlp.fc1.weight");
        long[] ps = patch.shape();
        if (ps.length != 4 || ps[2] != ps[3]) {
            throw new UnknownArchitectureException(file, "patch_embed.proj.weight has shape "
                    + java.util.Arrays.toString(ps) + ", expected [D, C, p, p]");
        }
        int dim = (int) ps[0];
        int patchSize = (int) ps[2];
        long tokens = pos.shape()[pos.shape().length - 2];
        int grid = (int) Math.round(Math.sqrt(tokens - 1));
        if ((long) grid * grid != tokens - 1) {
            throw new UnknownArchitectureException(file, "pos_embed has " + tokens + " tokens, not 1 + a square grid");
        }
        int depth = 0;
        for (String k : tensors.keySet()) {
            Matcher m = BLOCK_KEY.matcher(k);
            if (m.matches()) {
                depth = Math.max(depth, Integer.parseInt(m.group(1)) + 1);
            }
        }
        int mlp = (int) fc1.shape()[0];
        boolean qkvBias = tensors.containsKey("blocks.0.attn.qkv.bias");
        VitConfig shapes = new VitConfig("custom", grid * patchSize, patchSize, (int) ps[1], dim, depth, 1, mlp, qkvBias,
                VitConfig.LN_EPS);
        OptionalInt heads = OptionalInt.empty();
        String name = null;
        if (metadata.containsKey(META_NUM_HEADS)) {
            heads = OptionalInt.of(Integer.parseInt(metadata.get(META_NUM_HEADS)));
            name = metadata.get(META_ARCH);
        } else {
            for (VitConfig p : VitConfig.presets().values()) {
                boolean moco = source == CheckpointSource.MOCO_V3_PRETRAIN || source == CheckpointSource.MOCO_V3_LINEAR;
                if (p == VitConfig.VIT_S16 && moco || p == VitConfig.VIT_S16_MOCOV3 && !moco) {
                    continue;
                }
                if (p.embedDim() == dim && p.depth() == depth && p.patchSize() == patchSize && p.mlpHidden() == mlp) {
                    heads = OptionalInt.of(p.numHeads());
                    name = p.name();
                }
            }
        }
        return new Architecture(name == null ? "custom" : name, shapes, heads);
    }

    private RawTensor require(String key) {
        RawTensor t = tensors.get(key);
        if (t == null) {
            throw new UnknownArchitectureException(file, "no '" + key + "' after " + source.id()
                    + " remapping: not a ViT trunk (first keys: " + tensors.keySet().stream().limit(5).toList() + ")");
        }
        return t;
    }

    /**
     * What the weights say about the architecture.
     *
     * @param shapes a config with every shape-determining field; its head count is a placeholder
     * @param heads the head count when known
     */
    public record Architecture(String name, VitConfig shapes, OptionalInt heads) {
        /** The full config; fails when the head count is unknown. */
        public VitConfig config(Path file) {
            if (heads.isEmpty()) {
                throw new UnknownArchitectureException(file, "unknown architecture: a ViT with D=" + shapes.embedDim()
                        + ", depth " + shapes.depth() + ", patch " + shapes.patchSize()
                        + " matches no preset and its head count cannot be read from the weights; pass it explicitly");
            }
            return config(heads.getAsInt());
        }

        public VitConfig config(int numHeads) {
            return new VitConfig(name, shapes.imageSize(), shapes.patchSize(), shapes.inChannels(), shapes.embedDim(),
                    shapes.depth(), numHeads, shapes.mlpHidden(), shapes.qkvBias(), shapes.layerNormEps());
        }

        @Override
        public String toString() {
            return name + " (D=" + shapes.embedDim() + ", depth " + shapes.depth() + ", heads "
                    + (heads.isPresent() ? heads.getAsInt() : "unknown") + ", patch " + shapes.patchSize() + ", image "
                    + shapes.imageSize() + ", MLP " + shapes.mlpHidden() + ")";
        }
    }
}
