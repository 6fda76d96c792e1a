package dev.vptlab.checkpoint;

import dev.vptlab.model.VitConfig;
import java.nio.file.Path;
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

    /** Metadata key vptlab writes with the head count, which the weights cannot tell (qkv is [3D, D] for any). */
    public static final String META_NUM_HEADS = "num_heads";
    public static final String META_ARCH = "arch";

    /** Reads any supported file, detecting format and source. */
    public static Checkpoint read(Path file) {
        return read(file, null);
    }

    /** Reads a file; {@code source} overrides detection when not null. */
    public static Checkpoint read(Path file, CheckpointSource source) {
        StateDicts sd = StateDicts.read(file);
        Map<String, RawTensor> state = sd.tensors();
        CheckpointSource detected = switch (sd.format()) {
            case NPZ -> CheckpointSource.GOOGLE_NPZ;
            case SAFETENSORS -> flatSource(state);
            case TORCH_ZIP -> sd.container() == null ? flatSource(state)
                    : sd.container().equals("model") ? CheckpointSource.MAE
                    : state.keySet().stream().anyMatch(k -> k.contains("base_encoder.")) ? CheckpointSource.MOCO_V3_PRETRAIN
                    : CheckpointSource.MOCO_V3_LINEAR;
        };
        CheckpointFormat format = sd.format();
        List<String> other = sd.otherEntries();
        Map<String, String> metadata = sd.metadata();
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
     * shapes; the head count from vptlab metadata or a matching preset, else unknown. Every size is checked
     * against {@link ArchitectureBounds} here, before anyone lists expected shapes or builds a model.
     *
     * @throws UnknownArchitectureException if the shapes are not a ViT's, or exceed the bounds
     */
    public Architecture architecture() {
        long[] ps = require("patch_embed.proj.weight").shape();
        long[] pos = require("pos_embed").shape();
        long[] fc1 = require("blocks.0.mlp.fc1.weight").shape();
        if (ps.length != 4 || ps[2] != ps[3]) {
            throw new UnknownArchitectureException(file, "patch_embed.proj.weight has shape "
                    + java.util.Arrays.toString(ps) + ", expected [D, C, p, p]");
        }
        if (pos.length != 3) {
            throw new UnknownArchitectureException(file, "pos_embed has shape " + java.util.Arrays.toString(pos)
                    + ", expected [1, 1 + grid², D]");
        }
        if (fc1.length != 2) {
            throw new UnknownArchitectureException(file, "blocks.0.mlp.fc1.weight has shape "
                    + java.util.Arrays.toString(fc1) + ", expected [MLP, D]");
        }
        int dim = ArchitectureBounds.dim(file, "embed dim (patch_embed.proj.weight[0])", ps[0],
                ArchitectureBounds.MAX_EMBED_DIM);
        int channels = ArchitectureBounds.dim(file, "input channels (patch_embed.proj.weight[1])", ps[1],
                ArchitectureBounds.MAX_IN_CHANNELS);
        int patchSize = ArchitectureBounds.dim(file, "patch size (patch_embed.proj.weight[2])", ps[2],
                ArchitectureBounds.MAX_PATCH);
        int mlp = ArchitectureBounds.dim(file, "MLP width (blocks.0.mlp.fc1.weight[0])", fc1[0],
                ArchitectureBounds.MAX_MLP_HIDDEN);
        long patches = ArchitectureBounds.dim(file, "patch tokens (pos_embed[1] - 1)", pos[1] - 1,
                ArchitectureBounds.MAX_GRID * ArchitectureBounds.MAX_GRID);
        int grid = (int) Math.round(Math.sqrt(patches));
        if ((long) grid * grid != patches) {
            throw new UnknownArchitectureException(file, "pos_embed has " + pos[1] + " tokens, not 1 + a square grid");
        }
        int depth = 0;
        for (String k : tensors.keySet()) {
            Matcher m = BLOCK_KEY.matcher(k);
            if (m.matches()) {
                depth = Math.max(depth, ArchitectureBounds.blockIndex(file, k, m.group(1)) + 1);
            }
        }
        boolean qkvBias = tensors.containsKey("blocks.0.attn.qkv.bias");
        int blocks = depth;
        VitConfig shapes = Architecture.named(file, () -> new VitConfig("custom", grid * patchSize, patchSize, channels,
                dim, blocks, 1, mlp, qkvBias, VitConfig.LN_EPS));
        ArchitectureBounds.check(file, shapes);
        OptionalInt heads = OptionalInt.empty();
        String name = null;
        if (metadata.containsKey(META_NUM_HEADS)) {
            heads = OptionalInt.of(metadataHeads(dim));
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

    /** vptlab's {@code num_heads} metadata: a positive integer dividing the width. */
    private int metadataHeads(int dim) {
        String v = metadata.get(META_NUM_HEADS);
        if (v == null || !v.matches("[1-9][0-9]{0,4}") || dim % Integer.parseInt(v) != 0) {
            throw new UnknownArchitectureException(file, "metadata " + META_NUM_HEADS + " '"
                    + (v == null || v.length() <= 40 ? v : v.substring(0, 37) + "...")
                    + "' is not a head count dividing the width " + dim);
        }
        return Integer.parseInt(v);
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
            return config(file, heads.getAsInt());
        }

        /** The full config with a given head count (one that does not divide the width is refused). */
        public VitConfig config(int numHeads) {
            return new VitConfig(name, shapes.imageSize(), shapes.patchSize(), shapes.inChannels(), shapes.embedDim(),
                    shapes.depth(), numHeads, shapes.mlpHidden(), shapes.qkvBias(), shapes.layerNormEps());
        }

        /** As {@link #config(int)}, failing with an {@link UnknownArchitectureException} that names {@code file}. */
        public VitConfig config(Path file, int numHeads) {
            return named(file, () -> config(numHeads));
        }

        /** Runs {@code build}, turning {@link VitConfig}'s validation error into one that names the file. */
        static VitConfig named(Path file, java.util.function.Supplier<VitConfig> build) {
            try {
                return build.get();
            } catch (UnknownArchitectureException e) {
                throw e;
            } catch (dev.vptlab.VptlabException e) {
                throw new UnknownArchitectureException(file, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return name + " (D=" + shapes.embedDim() + ", depth " + shapes.depth() + ", heads "
                    + (heads.isPresent() ? heads.getAsInt() : "unknown") + ", patch " + shapes.patchSize() + ", image "
                    + shapes.imageSize() + ", MLP " + shapes.mlpHidden() + ")";
        }
    }
}
