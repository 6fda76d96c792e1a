package dev.vptlab.data;

import dev.vptlab.reference.ReferenceTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * VTAB-1K in the file-list layout of NOAH's export script ({@code data/vtab-source/get_vtab1k.py}), which
 * CVPT uses: {@code <root>/<key>/train800.txt}, {@code val200.txt}, {@code train800val200.txt},
 * {@code test.txt}, each line {@code <relative image path> <integer label>}.
 */
public final class Vtab1k {
    /** A task: key, display name, group (Natural, Specialized, Structured) and class count. */
    public record Task(String key, String displayName, String group, int classes) {}

    private static final Map<String, Task> TASKS = new LinkedHashMap<>();

    static {
        for (Map<String, String> r : ReferenceTable.load("vtab_tasks").rows()) {
            TASKS.put(r.get("task_key"), new Task(r.get("task_key"), r.get("display_name"), r.get("group"),
                    Integer.parseInt(r.get("classes"))));
        }
    }

    private Vtab1k() {}

    /** The 19 tasks in the paper's order. */
    public static Map<String, Task> tasks() {
        return java.util.Collections.unmodifiableMap(TASKS);
    }

    public static Task task(String key) {
        Task t = TASKS.get(key);
        if (t == null) {
            throw new dev.vptlab.VptlabException("unknown VTAB-1K task '" + key + "'; known: " + String.join(", ", TASKS.keySet()));
        }
        return t;
    }

    /**
     * The splits both papers use: train on train800val200, validate on val200 (logged only; it is part of
     * the training images), test on test (GatedPT/VPT; CVPT trains on train800val200 and tests on test).
     */
    public static Splits open(Path taskDir, String key, Transform transform, LoadOptions o) {
        Task t = task(key);
        return new Splits(split(taskDir, t, "train800val200", transform, o), split(taskDir, t, "val200", transform, o),
                split(taskDir, t, "test", transform, o));
    }

    public static ListedImageDataset split(Path taskDir, Task t, String split, Transform transform, LoadOptions o) {
        Path list = taskDir.resolve(split + ".txt");
        return ListedImageDataset.open(t.key() + "/" + split, list, readList(list, taskDir), t.classes(), transform, o);
    }

    /**
     * Parses a split file; a malformed line fails naming the file and line. Paths are relative to {@code base}
     * and must stay inside it ({@link FolderPaths}); the text is strict UTF-8, a byte-order mark skipped
     * ({@link SplitText}).
     */
    public static List<ListedImageDataset.Entry> readList(Path list, Path base) {
        List<String> lines = SplitText.read(list).lines().toList();
        FolderPaths folder = new FolderPaths(base);
        List<ListedImageDataset.Entry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            if (sp <= 0) {
                throw new DatasetException(list, i + 1, "expected '<relative path> <label>', got '" + line + "'");
            }
            int label;
            try {
                label = Integer.parseInt(line.substring(sp + 1));
            } catch (NumberFormatException e) {
                throw new DatasetException(list, i + 1, "label '" + line.substring(sp + 1) + "' is not an integer");
            }
            String listed = line.substring(0, sp).strip();
            out.add(new ListedImageDataset.Entry(folder.resolve(listed, list, i + 1), label, list, i + 1, listed));
        }
        return out;
    }
}
