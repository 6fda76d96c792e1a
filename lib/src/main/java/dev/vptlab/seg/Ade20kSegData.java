package dev.vptlab.seg;

import dev.vptlab.data.Ade20k;
import dev.vptlab.data.Bgr8;
import dev.vptlab.data.SegPipeline;
import dev.vptlab.data.SegSample;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * An ADE20K split ({@code ADEChallengeData2016}, mmseg's layout) through mmseg's pipelines
 * ({@code configs/_base_/datasets/ade20k.py}): {@link SegPipeline#train} for training, {@link SegPipeline#test}
 * views at the (2048, 512) scale for evaluation, scored against the original-size annotation with
 * {@code reduce_zero_label}.
 */
public final class Ade20kSegData implements SegData {
    /** mmseg's {@code ADE20KDataset.CLASSES}, in label order 0..149 (after reduce_zero_label). */
    public static final List<String> CLASS_NAMES = List.of("wall", "building", "sky", "floor", "tree", "ceiling", "road",
            "bed", "windowpane", "grass", "cabinet", "sidewalk", "person", "earth", "door", "table", "mountain", "plant",
            "curtain", "chair", "car", "water", "painting", "sofa", "shelf", "house", "sea", "mirror", "rug", "field",
            "armchair", "seat", "fence", "desk", "rock", "wardrobe", "lamp", "bathtub", "railing", "cushion", "base", "box",
            "column", "signboard", "chest of drawers", "counter", "sand", "sink", "skyscraper", "fireplace", "refrigerator",
            "grandstand", "path", "stairs", "runway", "case", "pool table", "pillow", "screen door", "stairway", "river",
            "bridge", "bookcase", "blind", "coffee table", "toilet", "flower", "book", "hill", "bench", "countertop", "stove",
            "palm", "kitchen island", "computer", "swivel chair", "boat", "bar", "arcade machine", "hovel", "bus", "towel",
            "light", "truck", "tower", "chandelier", "awning", "streetlight", "booth", "television receiver", "airplane",
            "dirt track", "apparel", "pole", "land", "bannister", "escalator", "ottoman", "bottle", "buffet", "poster",
            "stage", "van", "ship", "fountain", "conveyer belt", "canopy", "washer", "plaything", "swimming pool", "stool",
            "barrel", "basket", "waterfall", "tent", "bag", "minibike", "cradle", "oven", "ball", "food", "step", "tank",
            "trade name", "microwave", "pot", "animal", "bicycle", "lake", "dishwasher", "screen", "blanket", "sculpture",
            "hood", "sconce", "vase", "traffic light", "tray", "ashcan", "fan", "pier", "crt screen", "plate", "monitor",
            "bulletin board", "shower", "radiator", "glass", "clock", "flag");

    private final Ade20k ade;
    private final SegPipeline.Config config;
    private final int limit;

    /** @param limit the first {@code limit} images only (0 = all) */
    public Ade20kSegData(Ade20k ade, SegPipeline.Config config, int limit) {
        this.ade = ade;
        this.config = config;
        this.limit = limit <= 0 ? ade.size() : Math.min(limit, ade.size());
    }

    @Override
    public String name() {
        return "ade20k/" + ade.split();
    }

    @Override
    public int size() {
        return limit;
    }

    @Override
    public int classes() {
        return Ade20k.CLASSES;
    }

    @Override
    public int channels() {
        return 3;
    }

    @Override
    public SegSample train(int i, RandomGenerator rng) {
        return SegPipeline.train(Bgr8.of(ade.image(i)), ade.mask(i), rng, config);
    }

    /** The last image decoded for {@link #view}: multi-scale evaluation takes 12 views of one image in a row. */
    private int viewIndex = -1;
    private Bgr8 viewImage;

    @Override
    public synchronized SegSample view(int i, double ratio, boolean flip) {
        if (i != viewIndex) {
            viewImage = Bgr8.of(ade.image(i));
            viewIndex = i;
        }
        return SegPipeline.test(viewImage, ratio, flip);
    }

    @Override
    public Annotation annotation(int i) {
        int[] hw = ade.annotationSize(i);
        return new Annotation(hw[0], hw[1], ade.mask(i));
    }

    @Override
    public void check() {
        ade.check();
    }
}
