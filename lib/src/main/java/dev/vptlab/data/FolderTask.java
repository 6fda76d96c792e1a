package dev.vptlab.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A task given as a folder rather than a known key, in either layout, its classes counted from the data:
 * <ul>
 *   <li>file lists as VTAB-1K's ({@link Vtab1k#readList}): {@code train800val200.txt}, {@code val200.txt},
 *       {@code test.txt}, or {@code train.txt}, {@code val.txt}, {@code test.txt}; C = the largest label + 1;</li>
 *   <li>one sub-folder per class ({@link ClassFolders}): {@code train/<class>/…}, {@code val/…}, {@code test/…}.</li>
 * </ul>
 * A training split is required, val and test are optional; every split is opened and checked as the known tasks'
 * are ({@link ListedImageDataset}).
 */
public final class FolderTask {
    /** The entries of a task folder: each split's (null when absent), where they were found, and the class names. */
    public record Contents(Path dir, String layout, List<String> classNames, Split train, Split val, Split test) {}

    /** One split's entries and the list file or folder they came from. */
    public record Split(String name, Path source, List<ListedImageDataset.Entry> entries) {}

    private FolderTask() {}

    /** True when {@code task} names no known task and is an existing folder. */
    public static boolean isFolder(String task) {
        return !Vtab1k.tasks().containsKey(task) && !Fgvc.datasets().containsKey(task) && !task.equals("synthetic")
                && !task.startsWith("fm-") && Files.isDirectory(Path.of(task));
    }

    /** Reads the layout, the split entries and the classes; nothing is decoded yet. */
    public static Contents read(Path dir) {
        Path trainList = first(dir, "train800val200.txt", "train.txt");
        if (trainList != null) {
            Split train = listed(dir, "train", trainList);
            Split val = listed(dir, "val", first(dir, "val200.txt", "val.txt"));
            Split test = listed(dir, "test", first(dir, "test.txt"));
            int max = Stream.of(train, val, test).filter(java.util.Objects::nonNull).flatMap(s -> s.entries().stream())
                    .mapToInt(ListedImageDataset.Entry::label).max().orElse(-1);
            List<String> names = IntStream.rangeClosed(0, max).mapToObj(String::valueOf).toList();
            return new Contents(dir, "file lists", names, train, val, test);
        }
        Path trainDir = dir.resolve("train");
        if (!Files.isDirectory(trainDir)) {
            throw new DatasetException(dir, "not a task folder: expected train800val200.txt or train.txt (file lists), "
                    + "or train/<class>/<image> (one folder per class)");
        }
        List<String> classes = ClassFolders.classes(trainDir);
        return new Contents(dir, "class folders", classes, folder(dir, "train", classes), folder(dir, "val", classes),
                folder(dir, "test", classes));
    }

    /** Opens the splits at the model's input with {@code transform}, checking the class count the head has. */
    public static Splits open(Path dir, Transform transform, LoadOptions o, int numClasses) {
        Contents c = read(dir);
        if (c.classNames().size() != numClasses) {
            throw new DatasetException(dir, "holds " + c.classNames().size() + " classes (" + c.layout() + "), the run's head has "
                    + numClasses);
        }
        return new Splits(open(dir, c.train(), numClasses, transform, o), open(dir, c.val(), numClasses, transform, o),
                open(dir, c.test(), numClasses, transform, o));
    }

    private static ListedImageDataset open(Path dir, Split s, int classes, Transform t, LoadOptions o) {
        return s == null ? null : ListedImageDataset.open(dir.getFileName() + "/" + s.name(), s.source(), s.entries(), classes, t, o);
    }

    private static Split listed(Path dir, String name, Path list) {
        return list == null ? null : new Split(name, list, Vtab1k.readList(list, dir));
    }

    private static Split folder(Path dir, String name, List<String> classes) {
        Path split = dir.resolve(name);
        return Files.isDirectory(split) ? new Split(name, split, ClassFolders.entries(dir, split, classes)) : null;
    }

    private static Path first(Path dir, String... names) {
        for (String n : names) {
            if (Files.isRegularFile(dir.resolve(n))) {
                return dir.resolve(n);
            }
        }
        return null;
    }
}
