package dev.vptlab.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vptlab.reference.ReferenceTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * FGVC with VPT's JSON splits (released with the VPT code, KMnP/vpt): {@code train.json}, {@code val.json},
 * {@code test.json} in the dataset folder, each {@code {"<path relative to the image dir>": class id}}. The
 * "line" of an entry in error messages is its position in the object (1-based).
 *
 * <p>Class ids are remapped as the official code does, by sorting the unique ids <em>of each split</em>
 * ({@code src/data/datasets/json_dataset.py}, {@code JSONDataset._construct_imdb}). A split lacking a class
 * shifts every later label upstream, silently; here the remap is reproduced with a warning (with all C
 * classes present, the per-split mapping equals the global one). More distinct ids than classes is an error.
 */
public final class Fgvc {
    /** A dataset: run key, classes and the image folder relative to the dataset folder. */
    public record Dataset(String key, String name, int classes, String imageDir) {}

    private static final Map<String, Dataset> DATASETS = new LinkedHashMap<>();

    static {
        for (Map<String, String> r : ReferenceTable.load("fgvc_datasets").rows()) {
            String dir = r.get("image_dir").replace("<path>", "").replaceFirst("^/", "");
            DATASETS.put(r.get("run_key"), new Dataset(r.get("run_key"), r.get("dataset"), Integer.parseInt(r.get("classes")), dir));
        }
    }

    private Fgvc() {}

    public static Map<String, Dataset> datasets() {
        return java.util.Collections.unmodifiableMap(DATASETS);
    }

    public static Dataset dataset(String key) {
        Dataset d = DATASETS.get(key);
        if (d == null) {
            throw new dev.vptlab.VptlabException("unknown FGVC dataset '" + key + "'; known: " + String.join(", ", DATASETS.keySet()));
        }
        return d;
    }

    /** train (random crop + flip), val and test (center crop), as the papers use them. */
    public static Splits open(Path dir, String key, Transform train, Transform eval, LoadOptions o) {
        Dataset d = dataset(key);
        return new Splits(split(dir, d, "train", train, o), split(dir, d, "val", eval, o), split(dir, d, "test", eval, o));
    }

    public static ListedImageDataset split(Path dir, Dataset d, String split, Transform t, LoadOptions o) {
        Path json = dir.resolve(split + ".json");
        return ListedImageDataset.open(d.key() + "/" + split, json, readSplit(json, dir.resolve(d.imageDir()), d.classes()),
                d.classes(), t, o);
    }

    /** Parses a JSON split and applies the per-split class remap, refusing splits that lack a class. */
    public static List<ListedImageDataset.Entry> readSplit(Path json, Path imageDir, int classes) {
        String text = SplitText.read(json);
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(text);
            o = e.getAsJsonObject();
        } catch (RuntimeException e) {
            throw new DatasetException(json, "not a JSON object {path: class id}: " + e.getMessage(), e);
        }
        Map<String, Integer> raw = new LinkedHashMap<>();
        int index = 0;
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            index++;
            try {
                raw.put(e.getKey(), e.getValue().getAsInt());
            } catch (RuntimeException ex) {
                throw new DatasetException(json, index, "class id of '" + e.getKey() + "' is not an integer: " + e.getValue());
            }
        }
        TreeSet<Integer> ids = new TreeSet<>(raw.values());
        if (ids.size() > classes) {
            throw new DatasetException(json, "the split holds " + ids.size() + " distinct class ids, the dataset has " + classes);
        }
        if (ids.size() < classes) {
            System.err.println("WARNING " + json + ": the split holds " + ids.size() + " of " + classes + " classes (ids "
                    + ids.first() + ".." + ids.last() + "); labels are remapped as upstream (sorted ids of this split), "
                    + "which shifts every label after a missing id");
        }
        Map<Integer, Integer> remap = new LinkedHashMap<>();
        for (int id : ids) {
            remap.put(id, remap.size());
        }
        List<ListedImageDataset.Entry> out = new ArrayList<>();
        FolderPaths folder = new FolderPaths(imageDir);
        index = 0;
        for (Map.Entry<String, Integer> e : raw.entrySet()) {
            index++;
            out.add(new ListedImageDataset.Entry(folder.resolve(e.getKey(), json, index), remap.get(e.getValue()), json, index,
                    e.getKey()));
        }
        return out;
    }
}
