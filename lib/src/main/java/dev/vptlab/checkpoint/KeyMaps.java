package dev.vptlab.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Source-specific remapping to timm names (MoCo v3 as the official GatedPT code's
 * {@code build_mocov3_model}, Google {@code .npz} as timm 0.5.4's {@code _load_weights}). A key is either
 * mapped, ignored <em>by an explicit rule</em> (and reported), or passed through unchanged so that the
 * strict check reports it as unexpected; nothing is dropped silently.
 */
final class KeyMaps {
    /** Result of a remap: trunk candidates under timm names and the knowingly ignored source keys. */
    record Remapped(Map<String, RawTensor> tensors, List<String> ignored) {}

    private KeyMaps() {}

    static Remapped remap(Path file, CheckpointSource source, Map<String, RawTensor> state) {
        return switch (source) {
            case TIMM -> ignoring(state, k -> k.startsWith("head.") || k.startsWith("pre_logits.") ? "classifier head" : null);
            case MAE -> ignoring(state, k -> k.startsWith("decoder_") || k.equals("mask_token") ? "MAE decoder" : null);
            case MOCO_V3_PRETRAIN, MOCO_V3_LINEAR -> moco(state);
            case GOOGLE_NPZ -> google(file, state);
        };
    }

    private interface IgnoreRule {
        /** @return the reason the key is ignored, or null to keep it */
        String reason(String key);
    }

    private static Remapped ignoring(Map<String, RawTensor> state, IgnoreRule rule) {
        Map<String, RawTensor> kept = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        state.forEach((k, v) -> {
            String why = rule.reason(k);
            if (why == null) {
                kept.put(k, v);
            } else {
                ignored.add(k + " (" + why + ")");
            }
        });
        return new Remapped(kept, ignored);
    }

    /**
     * MoCo v3 (GatedPT's {@code build_mocov3_model}): strip {@code module.}, then {@code base_encoder.};
     * the momentum encoder, the predictor and {@code head.*} (projector, or the linear-probe classifier) are
     * ignored by rule.
     * Unlike upstream, a key without the {@code module.} prefix is kept (not dropped), so an un-prefixed
     * file either loads completely or fails the strict check.
     */
    private static Remapped moco(Map<String, RawTensor> state) {
        Map<String, RawTensor> kept = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        state.forEach((k, v) -> {
            String n = k.startsWith("module.") ? k.substring("module.".length()) : k;
            if (n.startsWith("momentum_encoder.")) {
                ignored.add(k + " (momentum encoder)");
                return;
            }
            if (n.startsWith("predictor.")) {
                ignored.add(k + " (MoCo predictor)");
                return;
            }
            if (n.startsWith("base_encoder.")) {
                n = n.substring("base_encoder.".length());
            }
            if (n.startsWith("head.")) {
                ignored.add(k + (k.contains("base_encoder.") ? " (MoCo projector)" : " (linear-probe head)"));
                return;
            }
            kept.put(n, v);
        });
        return new Remapped(kept, ignored);
    }

    private static final Pattern BLOCK = Pattern.compile("Transformer/encoderblock_(\\d+)/(.+)");

    /** Google/JAX names to timm names with timm 0.5.4 {@code _load_weights} transposes. */
    private static Remapped google(Path file, Map<String, RawTensor> raw) {
        Map<String, RawTensor> state = new LinkedHashMap<>();
        raw.forEach((k, v) -> state.put(k.startsWith("opt/target/") ? k.substring("opt/target/".length()) : k, v));
        Map<String, RawTensor> out = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        TreeSet<Integer> blocks = new TreeSet<>();
        List<String> rest = new ArrayList<>();
        for (String k : state.keySet()) {
            Matcher m = BLOCK.matcher(k);
            if (m.matches()) {
                blocks.add(ArchitectureBounds.blockIndex(file, k, m.group(1)));
            } else if (k.startsWith("head/") || k.startsWith("pre_logits/")) {
                ignored.add(k + " (classifier head)");
            } else {
                rest.add(k);
            }
        }
        Consumer take = new Consumer(file, state);
        for (String k : rest) {
            switch (k) {
                // HWIO -> OIHW
                case "embedding/kernel" -> out.put("patch_embed.proj.weight",
                        TensorOps.permute(take.get(k, 4, "[p, p, C, D]"), 3, 2, 0, 1));
                case "embedding/bias" -> out.put("patch_embed.proj.bias", take.get(k));
                case "cls" -> out.put("cls_token", take.get(k));
                case "Transformer/posembed_input/pos_embedding" -> out.put("pos_embed", take.get(k));
                case "Transformer/encoder_norm/scale" -> out.put("norm.weight", take.get(k));
                case "Transformer/encoder_norm/bias" -> out.put("norm.bias", take.get(k));
                default -> { }
            }
        }
        for (int i : blocks) {
            String src = "Transformer/encoderblock_" + i + "/";
            String dst = "blocks." + i + ".";
            String att = src + "MultiHeadDotProductAttention_1/";
            take.ifPresent(src + "LayerNorm_0/scale", t -> out.put(dst + "norm1.weight", t));
            take.ifPresent(src + "LayerNorm_0/bias", t -> out.put(dst + "norm1.bias", t));
            take.ifPresent(src + "LayerNorm_2/scale", t -> out.put(dst + "norm2.weight", t));
            take.ifPresent(src + "LayerNorm_2/bias", t -> out.put(dst + "norm2.bias", t));
            if (take.has(att + "query/kernel", att + "key/kernel", att + "value/kernel")) {
                // kernel [D_in, H, hd] -> [D_in, D_out] -> transpose: W[64h+j, i] = kernel[i, h, j]
                RawTensor[] qkv = take.alike(3, "[D, heads, head_dim]",
                        att + "query/kernel", att + "key/kernel", att + "value/kernel");
                out.put(dst + "attn.qkv.weight", TensorOps.concat0(
                        inOutToWeight(qkv[0]), inOutToWeight(qkv[1]), inOutToWeight(qkv[2])));
            }
            if (take.has(att + "query/bias", att + "key/bias", att + "value/bias")) {
                RawTensor[] qkv = take.alike(2, "[heads, head_dim]",
                        att + "query/bias", att + "key/bias", att + "value/bias");
                out.put(dst + "attn.qkv.bias", TensorOps.concat0(flat(qkv[0]), flat(qkv[1]), flat(qkv[2])));
            }
            if (take.has(att + "out/kernel")) {
                // [H, hd, D_out] -> [D_in, D_out] -> transpose: W[o, 64h+j] = kernel[h, j, o]
                RawTensor t = take.get(att + "out/kernel", 3, "[heads, head_dim, D]");
                long[] s = t.shape();
                out.put(dst + "attn.proj.weight", TensorOps.transpose(t.reshape(s[0] * s[1], s[2])));
            }
            take.ifPresent(att + "out/bias", t -> out.put(dst + "attn.proj.bias", t));
            take.ifPresent(src + "MlpBlock_3/Dense_0/kernel", 2, "[D, MLP]",
                    t -> out.put(dst + "mlp.fc1.weight", TensorOps.transpose(t)));
            take.ifPresent(src + "MlpBlock_3/Dense_0/bias", t -> out.put(dst + "mlp.fc1.bias", t));
            take.ifPresent(src + "MlpBlock_3/Dense_1/kernel", 2, "[MLP, D]",
                    t -> out.put(dst + "mlp.fc2.weight", TensorOps.transpose(t)));
            take.ifPresent(src + "MlpBlock_3/Dense_1/bias", t -> out.put(dst + "mlp.fc2.bias", t));
        }
        // Whatever no rule consumed stays under its own name: the strict check reports it as unexpected.
        for (String k : state.keySet()) {
            if (!take.consumed.contains(k) && !k.startsWith("head/") && !k.startsWith("pre_logits/")) {
                out.put(k, state.get(k));
            }
        }
        return new Remapped(out, ignored);
    }

    private static RawTensor inOutToWeight(RawTensor kernel) {
        long[] s = kernel.shape();
        long in = s[0];
        long outDim = kernel.numel() / in;
        return TensorOps.transpose(kernel.reshape(in, outDim));
    }

    private static RawTensor flat(RawTensor t) {
        return t.reshape(t.numel());
    }

    /**
     * Tracks which source keys a rule used, and checks the layout of the kernels a rule reshapes: a Google
     * kernel of another rank, with an empty dimension, or q/k/v kernels that disagree cannot be mapped, and
     * is refused by name instead of failing inside the reshape.
     */
    private static final class Consumer {
        final Path file;
        final Map<String, RawTensor> state;
        final java.util.Set<String> consumed = new java.util.HashSet<>();

        Consumer(Path file, Map<String, RawTensor> state) {
            this.file = file;
            this.state = state;
        }

        RawTensor get(String k) {
            consumed.add(k);
            return state.get(k);
        }

        /** A kernel of {@code rank} non-zero dimensions laid out as {@code layout}. */
        RawTensor get(String k, int rank, String layout) {
            RawTensor t = get(k);
            long[] s = t.shape();
            if (s.length != rank || java.util.Arrays.stream(s).anyMatch(d -> d == 0)) {
                throw new CheckpointFormatException(file, "'" + k + "' has shape " + java.util.Arrays.toString(s)
                        + "; Google ViT checkpoints store it as " + layout + " with no empty dimension");
            }
            return t;
        }

        /** Kernels that are concatenated: each as {@link #get(String, int, String)}, all of one shape. */
        RawTensor[] alike(int rank, String layout, String... keys) {
            RawTensor[] out = new RawTensor[keys.length];
            for (int i = 0; i < keys.length; i++) {
                out[i] = get(keys[i], rank, layout);
                if (!java.util.Arrays.equals(out[i].shape(), out[0].shape())) {
                    throw new CheckpointFormatException(file, "'" + keys[i] + "' has shape "
                            + java.util.Arrays.toString(out[i].shape()) + " but '" + keys[0] + "' has "
                            + java.util.Arrays.toString(out[0].shape()) + "; query, key and value must agree");
                }
            }
            return out;
        }

        boolean has(String... keys) {
            for (String k : keys) {
                if (!state.containsKey(k)) {
                    return false;
                }
            }
            return true;
        }

        void ifPresent(String k, java.util.function.Consumer<RawTensor> f) {
            if (state.containsKey(k)) {
                f.accept(get(k));
            }
        }

        void ifPresent(String k, int rank, String layout, java.util.function.Consumer<RawTensor> f) {
            if (state.containsKey(k)) {
                f.accept(get(k, rank, layout));
            }
        }
    }
}
