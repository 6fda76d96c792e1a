package dev.vptlab.ssl;

import dev.vptlab.data.FashionMnist;
import dev.vptlab.VptlabException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The first n Fashion-MNIST training images when the files are installed, else class-patterned synthetic ones. */
final class SslTestData {
    private static FashionMnist cached;

    private SslTestData() {}

    /**
     * Runs {@code body} with one PyTorch intra-op thread, then restores the previous count. On a machine
     * whose cores are busy with other processes, OpenMP barriers over tiny tensors stall for whole time
     * slices (a 16-image MoCo step took 5 s with 2 threads vs 0.3 s with 1), which would make these
     * tests' run time depend on the neighbours.
     */
    static <T> T singleThreaded(java.util.function.Supplier<T> body) {
        try (dev.vptlab.train.TorchThreads.Scope one = dev.vptlab.train.TorchThreads.exactly(1)) {
            return body.get();
        }
    }

    static synchronized FashionMnistImages train(int n) {
        if (cached == null) {
            try {
                cached = FashionMnist.load(FashionMnist.locate(), "train");
            } catch (VptlabException e) {
                cached = synthetic(1024, 7);
            }
        }
        return new FashionMnistImages(cached, "train", n, Augmentations.center());
    }

    /** Image of class k: a bright 8-px bar whose position and orientation depend on k, plus noise. */
    static FashionMnist synthetic(int n, long seed) {
        Random r = new Random(seed);
        List<byte[]> images = new ArrayList<>();
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int k = i % 10;
            byte[] b = new byte[28 * 28];
            for (int p = 0; p < b.length; p++) {
                b[p] = (byte) r.nextInt(40);
            }
            int at = 3 + 2 * k;
            for (int t = 0; t < 20; t++) {
                int y = k % 2 == 0 ? at : 4 + t;
                int x = k % 2 == 0 ? 4 + t : at;
                b[y * 28 + x] = (byte) 230;
                b[Math.min(27, y + 1) * 28 + x] = (byte) 200;
            }
            images.add(b);
            labels[i] = (byte) k;
        }
        return new FashionMnist(images, labels, 28, 28);
    }
}
