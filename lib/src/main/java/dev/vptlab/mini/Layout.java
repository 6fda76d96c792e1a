package dev.vptlab.mini;

import java.util.Random;

/**
 * Where items go on a square canvas: centred, in a cell of a grid, anywhere, or several without overlap.
 * Positions are top-left corners of {@code size}-px items on a {@code side}-px canvas; every random choice
 * comes from the caller's generator, so a layout is reproducible from the task's seed.
 */
final class Layout {
    private Layout() {}

    /** The offset that centres a {@code size}-px item on a {@code side}-px canvas (both axes). */
    static int centred(int size, int side) {
        check(size, side);
        return (side - size) / 2;
    }

    /** A uniformly random top-left corner {x, y} (items may overlap earlier ones). */
    static int[] anywhere(int size, int side, Random rng) {
        check(size, side);
        return new int[] {rng.nextInt(side - size + 1), rng.nextInt(side - size + 1)};
    }

    /**
     * A top-left corner {x, y} in cell {@code cell} (row-major) of a {@code cells}×{@code cells} grid, with
     * uniform jitter inside the cell. The grid divides the range of possible corners (0..side−size) into
     * equal bins, so every cell has the same jitter and the cell is the bin of the item's centre, as
     * dSprites' position labels bin the object's position.
     */
    static int[] gridCell(int cell, int cells, int size, int side, Random rng) {
        check(size, side);
        int range = side - size + 1;
        if (cell < 0 || cell >= cells * cells || range < cells) {
            throw new IllegalArgumentException("cell " + cell + " of a " + cells + "x" + cells + " grid for " + range
                    + " positions");
        }
        return new int[] {inBin(cell % cells, cells, range, rng), inBin(cell / cells, cells, range, rng)};
    }

    /** Bin b of {@code range} positions split into {@code bins} near-equal bins: [b·range/bins, (b+1)·range/bins). */
    static int binStart(int b, int bins, int range) {
        return b * range / bins;
    }

    private static int inBin(int b, int bins, int range, Random rng) {
        int lo = binStart(b, bins, range);
        int hi = binStart(b + 1, bins, range);
        return lo + rng.nextInt(hi - lo);
    }

    /**
     * {@code count} top-left corners of {@code size}-px items, at least {@code gap} pixels apart (so their
     * pixels neither overlap nor touch). Items are placed one by one at random positions, retrying a
     * position that collides and restarting the whole layout from a dead end; random sequential placement
     * keeps every free position reachable, unlike a fixed grid.
     */
    static int[][] nonOverlapping(int count, int size, int gap, int side, Random rng) {
        check(size, side);
        for (int attempt = 0; attempt < 10_000; attempt++) {
            int[][] boxes = new int[count][];
            int k = 0;
            for (int tries = 0; k < count && tries < 100; tries++) {
                int[] p = anywhere(size, side, rng);
                if (clear(boxes, k, p, size, gap)) {
                    boxes[k++] = p;
                    tries = -1;
                }
            }
            if (k == count) {
                return boxes;
            }
        }
        throw new IllegalStateException(count + " items of " + size + " px do not fit " + gap + " px apart on a " + side
                + "-px canvas");
    }

    /** True when an item at p keeps {@code gap} pixels from the first k boxes. */
    static boolean clear(int[][] boxes, int k, int[] p, int size, int gap) {
        for (int j = 0; j < k; j++) {
            int[] b = boxes[j];
            boolean apart = p[0] + size + gap <= b[0] || b[0] + size + gap <= p[0] || p[1] + size + gap <= b[1]
                    || b[1] + size + gap <= p[1];
            if (!apart) {
                return false;
            }
        }
        return true;
    }

    private static void check(int size, int side) {
        if (size < 1 || size > side) {
            throw new IllegalArgumentException("a " + size + "-px item on a " + side + "-px canvas");
        }
    }
}
