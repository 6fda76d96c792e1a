package dev.vptlab.prompt;

import ai.djl.nn.Parameter;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.StateDicts;
import dev.vptlab.model.VisionTransformer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trained tensors of a file, whatever wrote it: vptlab's {@code trainable.safetensors} or run state
 * ({@code param/…}, {@code optim/…}), or an official trainer's file in any format {@link StateDicts} reads. Gated
 * PT's trainer saves the whole model ({@code {'model': model.state_dict()}} as {@code last_model.pth}) and CVPT's
 * the whole ViT, so the frozen trunk comes along: each trunk tensor, its {@code module.} / {@code enc.} prefix
 * removed, must equal the loaded backbone's tensor of that name within fp32 rounding, and is then dropped. Keys that
 * are neither trunk nor trainable stay, so {@link PromptedVit#loadTrainable} reports them as unknown.
 */
public final class TrainedFile {
    /** Max |file − backbone| allowed: fp32 rounding of values that were copied, not retrained. */
    private static final double ABS_TOL = 1e-6;
    private static final double REL_TOL = 1e-5;

    private TrainedFile() {}

    /** The trainable tensors of {@code file} (names as written; {@link OfficialNames} maps them later). */
    public static Map<String, RawTensor> read(Path file, VisionTransformer backbone) {
        StateDicts sd = StateDicts.read(file);
        Map<String, Parameter> trunk = backbone.namedParameters();
        Map<String, RawTensor> trainable = new LinkedHashMap<>();
        List<String> differing = new ArrayList<>();
        sd.tensors().forEach((key, t) -> {
            if (key.startsWith("optim/")) {
                return; // vptlab's run state: optimizer buffers
            }
            String k = key.startsWith("param/") ? key.substring("param/".length()) : key;
            String name = trunkName(k);
            if (OfficialNames.toVptlab(k) == null && trunk.containsKey(name)) {
                String problem = difference(t, trunk.get(name));
                if (problem != null) {
                    differing.add(key + " " + problem);
                }
            } else {
                trainable.put(k, t);
            }
        });
        if (!differing.isEmpty()) {
            throw new PromptFileException(file + ": its frozen trunk is not the loaded backbone's ("
                    + differing.size() + " tensor(s) differ: " + differing.stream().limit(5).toList()
                    + (differing.size() > 5 ? ", …" : "") + "); pass the backbone it was trained on");
        }
        return trainable;
    }

    /** The timm name of a trunk key: without DDP's {@code module.} and Gated PT's {@code enc.} module prefix. */
    private static String trunkName(String key) {
        String k = key;
        for (String prefix : List.of("module.", "enc.")) {
            if (k.startsWith(prefix)) {
                k = k.substring(prefix.length());
            }
        }
        return k;
    }

    /** Null when equal within fp32 tolerance, else what differs. */
    private static String difference(RawTensor t, Parameter p) {
        long[] want = p.getArray().getShape().getShape();
        if (!Arrays.equals(t.shape(), want)) {
            return "has shape " + Arrays.toString(t.shape()) + ", the backbone's is " + Arrays.toString(want);
        }
        if (!t.dtype().isFloating()) {
            return "has integer dtype " + t.dtype();
        }
        float[] a = t.toFloatArray();
        float[] b = p.getArray().toFloatArray();
        double worst = 0;
        boolean differs = false;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (!(d <= ABS_TOL + REL_TOL * Math.abs(b[i]))) {
                differs = true;
                worst = Double.isNaN(d) ? Double.NaN : Math.max(worst, d);
            }
        }
        return differs ? "differs by up to " + worst : null;
    }
}
