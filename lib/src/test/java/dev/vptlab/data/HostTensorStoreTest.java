package dev.vptlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostTensorStoreTest {
    @TempDir
    Path tmp;

    /** Item i holds i*100 + j at position j, so any misplaced row or value shows. */
    private static float[] items(int from, int n, int per) {
        float[] v = new float[n * per];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < per; j++) {
                v[i * per + j] = (from + i) * 100 + j;
            }
        }
        return v;
    }

    private void checkGathers(HostTensorStore s, int count, int per) {
        try (NDManager m = NDManager.newBaseManager()) {
            int[][] batches = {{0, 1, 2}, {9, 0, 5, 3, 9}, {count - 1}, {6, 7}, {4, 4, 1, 8, 2, 0}};
            for (int[] idx : batches) {
                NDArray b = s.gather(m, idx);
                assertEquals(idx.length, b.getShape().get(0));
                float[] got = b.toFloatArray();
                for (int r = 0; r < idx.length; r++) {
                    float[] want = items(idx[r], 1, per);
                    float[] row = java.util.Arrays.copyOfRange(got, r * per, (r + 1) * per);
                    assertArrayEquals(want, row, "row " + r + " of batch " + java.util.Arrays.toString(idx));
                }
            }
            assertThrows(IndexOutOfBoundsException.class, () -> s.gather(m, new int[] {count}));
        }
    }

    @Test
    void itemsSpreadOverChunksComeBackInTheRequestedOrder() {
        int count = 10;
        int per = 2 * 3;
        // 3 items per 72-byte chunk: 4 chunks, the last one short; putAll crosses two boundaries.
        try (HostTensorStore s = new HostTensorStore(count, 3 * per * 4, null, 2, 3)) {
            assertEquals(4, s.chunkCount());
            s.putAll(0, items(0, 7, per));
            s.put(7, items(7, 1, per));
            s.putAll(8, items(8, 2, per));
            assertArrayEquals(items(5, 1, per), s.get(5));
            checkGathers(s, count, per);
        }
    }

    @Test
    void aMappedStoreHoldsTheSameAndLeavesNoFileBehind() throws Exception {
        int count = 10;
        int per = 4;
        try (HostTensorStore s = new HostTensorStore(count, 4 * per * 4, tmp, per)) {
            assertEquals(3, s.chunkCount());
            s.putAll(0, items(0, count, per));
            try (Stream<Path> files = Files.list(tmp)) {
                assertEquals(0, files.count(), "the mapped file is unlinked once mapped");
            }
            checkGathers(s, count, per);
        }
    }

    @Test
    void aSingleChunkStoreIsOneBuffer() {
        try (HostTensorStore s = new HostTensorStore(10, 4)) {
            assertEquals(1, s.chunkCount());
            s.putAll(0, items(0, 10, 4));
            checkGathers(s, 10, 4);
        }
    }

    @Test
    void aClosedStoreRefusesUseAndPartialItemsAreRefused() {
        HostTensorStore s = new HostTensorStore(10, 4 * 4 * 4, tmp, 4);
        assertThrows(IllegalArgumentException.class, () -> s.putAll(0, new float[6]));
        s.putAll(0, items(0, 10, 4));
        try (NDManager m = NDManager.newBaseManager()) {
            s.gather(m, new int[] {1, 9});
            s.close();
            s.close(); // twice is harmless
            assertThrows(IllegalStateException.class, () -> s.gather(m, new int[] {1}));
            assertThrows(IllegalStateException.class, () -> s.get(1));
            assertThrows(IllegalStateException.class, () -> s.put(1, new float[4]));
        }
    }
}
