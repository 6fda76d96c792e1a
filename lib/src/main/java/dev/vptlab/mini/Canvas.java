package dev.vptlab.mini;

import dev.vptlab.data.FashionMnist;
import dev.vptlab.data.Image;
import dev.vptlab.data.Resize;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A square one-channel canvas (0..255 values, black background) onto which Fashion-MNIST items are placed,
 * each scaled and rotated first. It is the single rendering mechanism of every mini-benchmark task, so the
 * tasks differ only in <em>what</em> they place where (see {@link Layout}), never in how.
 *
 * <ul>
 *   <li>Scaling is Pillow's bilinear resize ({@link Resize#pilBilinear}): antialiased when shrinking and
 *       8-bit like the source, so a scaled item looks like a torchvision-resized one.</li>
 *   <li>Rotation is by quarter turns, which is exact (a pixel permutation): the rotation label is then the
 *       only thing that changes, with no interpolation blur to give it away.</li>
 *   <li>Compositing is "later on top": where a new item's pixel is foreground (above
 *       {@link #FOREGROUND}) it replaces the canvas and takes over the mask; its faint pixels merge with
 *       what is below by maximum, so an item's black background never erases an earlier item.</li>
 * </ul>
 * The canvas also keeps a per-pixel mask (0 background, 1 + item class where an item is foreground) and a
 * record of every placement, from which the segmentation targets and the tests' checks are made.
 */
public final class Canvas {
    /** Foreground threshold on 0..255 pixels: 0.1 · 255, the segmentation task's rule. */
    public static final float FOREGROUND = 0.1f * 255f;

    /**
     * One placed item: its source image (index into the Fashion-MNIST split), class, top-left corner, side
     * in pixels, and clockwise quarter turns.
     */
    public record Placement(int source, int itemClass, int x, int y, int size, int quarterTurns) {}

    private final int side;
    private final float[] pixels;
    private final int[] mask;
    private final List<Placement> placements = new ArrayList<>();

    public Canvas(int side) {
        if (side < 1) {
            throw new IllegalArgumentException("canvas side " + side);
        }
        this.side = side;
        this.pixels = new float[side * side];
        this.mask = new int[side * side];
    }

    public int side() {
        return side;
    }

    /**
     * Places Fashion-MNIST image {@code index} scaled to {@code size}×{@code size}, rotated clockwise by
     * {@code quarterTurns}·90°, with its top-left corner at (x, y); the item must fit on the canvas.
     */
    public Placement place(FashionMnist source, int index, int size, int quarterTurns, int x, int y) {
        if (x < 0 || y < 0 || x + size > side || y + size > side) {
            throw new IllegalArgumentException("a " + size + "-px item at (" + x + ", " + y + ") leaves the " + side
                    + "-px canvas");
        }
        Image item = rotate(scale(source.image(index), size), quarterTurns);
        int label = 1 + source.label(index);
        float[] src = item.data();
        for (int r = 0; r < size; r++) {
            int row = (y + r) * side + x;
            for (int c = 0; c < size; c++) {
                float v = src[r * size + c];
                int p = row + c;
                if (v > FOREGROUND) {
                    pixels[p] = v;
                    mask[p] = label;
                } else if (v > pixels[p]) {
                    pixels[p] = v;
                }
            }
        }
        Placement placed = new Placement(index, source.label(index), x, y, size, Math.floorMod(quarterTurns, 4));
        placements.add(placed);
        return placed;
    }

    /** The item at {@code size}×{@code size} (unchanged when it already has that size). */
    static Image scale(Image item, int size) {
        if (item.width() == size && item.height() == size) {
            return item;
        }
        return Resize.pilBilinear(item, size, size);
    }

    /** A square one-channel image turned clockwise by {@code quarterTurns}·90° (any integer; exact). */
    static Image rotate(Image item, int quarterTurns) {
        int k = Math.floorMod(quarterTurns, 4);
        if (k == 0) {
            return item;
        }
        int n = item.width();
        if (item.height() != n || item.channels() != 1) {
            throw new IllegalArgumentException("rotation needs a square one-channel item");
        }
        float[] in = item.data();
        float[] out = new float[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                // Clockwise: out(y, x) = in(n−1−x, y) for one turn; 180° and 270° likewise.
                int src = switch (k) {
                    case 1 -> (n - 1 - x) * n + y;
                    case 2 -> (n - 1 - y) * n + (n - 1 - x);
                    default -> x * n + (n - 1 - y);
                };
                out[y * n + x] = in[src];
            }
        }
        return new Image(1, n, n, out);
    }

    /** The live pixel array (row-major, 0..255), for whole-image effects such as {@link DomainShift}. */
    float[] pixels() {
        return pixels;
    }

    /** A copy of the canvas as a 1×side×side image with 0..255 values. */
    public Image image() {
        return new Image(1, side, side, pixels.clone());
    }

    /** A copy of the per-pixel mask: 0 background, 1 + class of the top-most foreground item. */
    public int[] mask() {
        return mask.clone();
    }

    /** The items placed so far, in placement order (later ones on top). */
    public List<Placement> placements() {
        return Collections.unmodifiableList(new ArrayList<>(placements));
    }
}
