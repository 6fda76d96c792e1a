package dev.vptlab.seg;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.PosEmbed;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.model.InPlace;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.Head;
import dev.vptlab.prompt.NoPrompts;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptFileException;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.util.Seeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The segmentor: a frozen ViT with a prompt method, read at {@link SegConfig#taps()} ({@link PromptedVit#features}),
 * a SETR-PUP decode head on the last tap and one auxiliary head on each other tap (mmseg's {@code EncoderDecoder}
 * with {@code SETRUPHead}s). Only the prompt method's tensors and the heads train.
 */
public final class SegModel {
    /** The stream of {@link dev.vptlab.util.Seeds#mix} the heads draw from (the trainer uses 7, 11 and 13). */
    static final long HEAD_STREAM = 17;

    public static final String DECODE = "decode_head.";
    public static final String AUX = "auxiliary_head.";

    private final PromptedVit prompted;
    private final SetrPupHead decode;
    private final List<SetrPupHead> aux;
    private final int[] taps;

    SegModel(PromptedVit prompted, SetrPupHead decode, List<SetrPupHead> aux, int[] taps) {
        this.prompted = prompted;
        this.decode = decode;
        this.aux = List.copyOf(aux);
        this.taps = taps.clone();
    }

    /**
     * Builds the model a config describes: the backbone read, checked and brought to the crop size (the position
     * table resampled bilinearly with the CLS entry kept, as mmseg's ViT does for SETR), then the method and the heads,
     * all drawn from the engine's generator seeded with the run's seed.
     */
    public static SegModel build(SegConfig cfg, int channels, NDManager m) {
        Path file = Path.of(cfg.backbone());
        Checkpoint ck = Checkpoint.read(file);
        VitConfig vc = cfg.heads() != null ? ck.architecture().config(file, cfg.heads()) : ck.architecture().config(file);
        if (vc.inChannels() != channels) {
            throw new VptlabException(file + ": the backbone takes " + vc.inChannels() + "-channel images, " + cfg.task()
                    + " has " + channels);
        }
        if (cfg.crop() % vc.patchSize() != 0) {
            throw new VptlabException("crop " + cfg.crop() + " is not a multiple of the patch size " + vc.patchSize());
        }
        if (cfg.taps()[cfg.taps().length - 1] >= vc.depth()) {
            throw new VptlabException("taps " + Arrays.toString(cfg.taps()) + " reach beyond the " + vc.depth() + " blocks of "
                    + vc.name());
        }
        int trained = vc.imageSize();
        vc = vc.withImageSize(cfg.crop());
        BackboneLoader.check(ck, vc);
        Engine.getInstance().setRandomSeed((int) cfg.seed());
        VisionTransformer vit = VisionTransformer.create(vc, m);
        BackboneLoader.loadInto(vit, ck);
        if (trained != cfg.crop()) {
            RawTensor pe = PosEmbed.resampleBilinear(ck.tensors().get("pos_embed"), vc.gridSize());
            InPlace.copy(vit.namedParameters().get("pos_embed").getArray(), pe.toFloatArray());
        }
        return of(vit, cfg, m);
    }

    /**
     * The method and the heads of {@code cfg} on a trunk already built at the crop size (the speed benchmark's random
     * trunk, or {@link #build}'s loaded one), drawn from the engine's generator as it stands.
     */
    public static SegModel of(VisionTransformer vit, SegConfig cfg, NDManager m) {
        PromptedVit p = cfg.method() == null
                ? new PromptedVit(vit, new NoPrompts(vit), Pooling.CLS, Head.NONE, m)
                : cfg.method().model(vit, m, Pooling.CLS, (hm, dim, init) -> Head.NONE);
        int d = (int) vit.config().embedDim();
        // The heads draw from a generator of their own, so that under one seed every method (and head only) starts
        // from the same heads: a comparison of methods at one seed is then paired, not a different head draw each.
        Engine.getInstance().setRandomSeed((int) Seeds.mix(cfg.seed(), HEAD_STREAM, 0));
        SetrPupHead dec = new SetrPupHead(m, DECODE, cfg.decodeHead(d));
        List<SetrPupHead> aux = new ArrayList<>();
        for (int j = 0; j < cfg.taps().length - 1; j++) {
            aux.add(new SetrPupHead(m, AUX + j + ".", cfg.auxHead(d)));
        }
        return new SegModel(p, dec, aux, cfg.taps());
    }

    public PromptedVit prompted() {
        return prompted;
    }

    public SetrPupHead decodeHead() {
        return decode;
    }

    public List<SetrPupHead> auxHeads() {
        return aux;
    }

    public int[] taps() {
        return taps.clone();
    }

    /** Training forward: decode logits first, then each auxiliary head's, all at the crop size. */
    public NDList forwardTrain(NDArray images) {
        NDList maps = prompted.features(images, taps, true);
        NDList out = new NDList(decode.forward(maps.get(taps.length - 1), true));
        for (int j = 0; j < aux.size(); j++) {
            out.add(aux.get(j).forward(maps.get(j), true));
        }
        return out;
    }

    /** Inference: the decode head's logits (auxiliary heads are not used, as in mmseg's {@code encode_decode}). */
    public NDArray decode(NDArray images) {
        int[] last = {taps[taps.length - 1]};
        return decode.forward(prompted.features(images, last, false).get(0), false);
    }

    /** Every trainable tensor: the method's, then the decode head's, then the auxiliary heads'. */
    public Map<String, NDArray> trainableParameters() {
        Map<String, NDArray> all = new LinkedHashMap<>(prompted.trainableParameters());
        heads().forEach(h -> all.putAll(prefixed(h, h.parameters())));
        return all;
    }

    /** A head's tensors under their full names: the head's prefix ({@code decode_head.}, {@code auxiliary_head.0.}) + mmseg's name. */
    private static Map<String, NDArray> prefixed(SetrPupHead h, Map<String, NDArray> tensors) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(h.prefix() + k, v));
        return out;
    }

    /** The BatchNorm running statistics of every head (saved and restored with the trained values). */
    public Map<String, NDArray> buffers() {
        Map<String, NDArray> all = new LinkedHashMap<>();
        heads().forEach(h -> all.putAll(prefixed(h, h.buffers())));
        return all;
    }

    private List<SetrPupHead> heads() {
        List<SetrPupHead> h = new ArrayList<>();
        h.add(decode);
        h.addAll(aux);
        return h;
    }

    public long trainableCount() {
        return trainableParameters().values().stream().mapToLong(a -> a.getShape().size()).sum();
    }

    /** Trainable parameters of the heads alone. */
    public long headCount() {
        return heads().stream().mapToLong(h -> h.config().parameterCount()).sum();
    }

    public long totalCount() {
        return prompted.backbone().config().trunkParameterCount() + trainableCount();
    }

    /** Trainable tensors and buffers as host tensors, under their names. */
    public Map<String, RawTensor> tensors() {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        trainableParameters().forEach((k, a) -> out.put(k, RawTensor.ofFloats(a.getShape().getShape(), a.toFloatArray())));
        buffers().forEach((k, a) -> out.put(k, RawTensor.ofFloats(a.getShape().getShape(), a.toFloatArray())));
        return out;
    }

    /** Saves {@link #tensors()} with the method and backbone in the metadata (atomic write). */
    public void save(Path file) {
        Safetensors.write(file, tensors(), Map.of("method", prompted.method().id(), "backbone",
                prompted.backbone().config().name(), "task_kind", "segmentation"));
    }

    /**
     * Loads what {@link #tensors()} wrote: the heads' tensors and buffers by name and shape, the method's through
     * {@link PromptedVit#loadTrainable}; nothing changes unless every tensor fits.
     */
    public void load(Map<String, RawTensor> saved, String source) {
        Map<String, RawTensor> method = new LinkedHashMap<>();
        Map<String, RawTensor> heads = new LinkedHashMap<>();
        saved.forEach((k, v) -> (k.startsWith(DECODE) || k.startsWith(AUX) ? heads : method).put(k, v));
        Map<String, NDArray> mine = new LinkedHashMap<>();
        heads().forEach(h -> {
            mine.putAll(prefixed(h, h.parameters()));
            mine.putAll(prefixed(h, h.buffers()));
        });
        List<String> problems = new ArrayList<>();
        mine.forEach((k, a) -> {
            RawTensor t = heads.get(k);
            if (t == null) {
                problems.add("missing '" + k + "'");
            } else if (!Arrays.equals(t.shape(), a.getShape().getShape())) {
                problems.add("'" + k + "' has shape " + Arrays.toString(t.shape()) + ", the model needs "
                        + Arrays.toString(a.getShape().getShape()));
            }
        });
        heads.keySet().stream().filter(k -> !mine.containsKey(k)).forEach(k -> problems.add("unknown key '" + k + "'"));
        if (!problems.isEmpty()) {
            throw new PromptFileException(source + ": the segmentation heads do not fit: " + String.join("; ", problems));
        }
        if (!prompted.trainableParameters().isEmpty() || !method.isEmpty()) {
            prompted.loadTrainable(method, source);
        }
        mine.forEach((k, a) -> InPlace.copy(a, heads.get(k).toFloatArray()));
    }

    /** Loads a file {@link #save} wrote. */
    public void load(Path file) {
        load(Safetensors.read(file).tensors(), file.toString());
    }
}
