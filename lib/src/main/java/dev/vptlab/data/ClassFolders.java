package dev.vptlab.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The one-sub-folder-per-class layout (torchvision's {@code ImageFolder}: {@code <split>/<class>/<image>}): classes
 * are the training split's sub-folders in sorted order, labelled 0..C−1 by that order as {@code ImageFolder} does
 * ({@code find_classes}); a val or test class folder that training lacks is an error. Names starting with a dot are
 * skipped; every other file is an image, checked when the split opens ({@link ListedImageDataset}).
 */
final class ClassFolders {
    private ClassFolders() {}

    /** The sorted class names of {@code <dir>/train}. */
    static List<String> classes(Path trainDir) {
        List<String> names = children(trainDir).stream().filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
        if (names.isEmpty()) {
            throw new DatasetException(trainDir, "no class folders (expected <split>/<class>/<image>)");
        }
        return names;
    }

    /** The images of one split folder, labelled by {@code classes}, with paths relative to the task folder. */
    static List<ListedImageDataset.Entry> entries(Path taskDir, Path splitDir, List<String> classes) {
        FolderPaths inside = new FolderPaths(taskDir);
        List<ListedImageDataset.Entry> out = new ArrayList<>();
        for (Path child : children(splitDir)) {
            String name = child.getFileName().toString();
            if (!Files.isDirectory(child)) {
                throw new DatasetException(child, "a file directly in a split folder; images go in <split>/<class>/");
            }
            int label = classes.indexOf(name);
            if (label < 0) {
                throw new DatasetException(child, "class folder '" + name + "' is not among the training classes " + classes);
            }
            List<Path> images = children(child);
            if (images.isEmpty()) {
                throw new DatasetException(child, "empty class folder");
            }
            for (int i = 0; i < images.size(); i++) {
                String rel = taskDir.relativize(images.get(i)).toString().replace('\\', '/');
                out.add(new ListedImageDataset.Entry(inside.resolve(rel, child, i + 1), label, child, i + 1, rel));
            }
        }
        return out;
    }

    /** Entries of a folder, sorted by name, hidden ones (a leading dot) left out. */
    private static List<Path> children(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new DatasetException(dir, "cannot list: " + e.getMessage(), e);
        }
    }
}
