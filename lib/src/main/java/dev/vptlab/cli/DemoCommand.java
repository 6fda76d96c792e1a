package dev.vptlab.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.LoadReport;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.util.ExitGuard;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Loads a backbone strictly, runs one image through it and reports the features and the speed. It is
 * the smallest end-to-end check of an installation; it trains nothing and predicts no class.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Load a backbone checkpoint, embed one image, print the CLS feature and throughput.")
final class DemoCommand implements Callable<Integer> {
    /** ImageNet statistics, which all three papers' code normalises with. */
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "Backbone checkpoint (any supported format).")
    Path checkpoint;

    @Option(names = "--image", description = "An image file (PNG/JPEG); default: a synthetic gradient image.")
    Path image;

    @Option(names = "--heads", description = "Head count, when the checkpoint does not say.")
    Integer heads;

    @Option(names = "--batch", defaultValue = "8", description = "Batch size for the throughput measurement (default ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Checkpoint c = Checkpoint.read(checkpoint);
        VitConfig config = heads != null ? c.architecture().config(checkpoint, heads) : c.architecture().config(checkpoint);
        BufferedImage img = image != null ? read(image) : synthetic(config.imageSize());
        BackboneLoader.check(c, config); // before anything is allocated
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(config, m);
            LoadReport r = BackboneLoader.loadInto(vit, c);
            out.println("loaded   " + r);
            ParameterStore ps = new ParameterStore(m, false);
            try (NDManager step = m.newSubManager()) {
                NDArray x = step.create(pixels(img, config.imageSize()), new Shape(1, 3, config.imageSize(), config.imageSize()));
                NDArray cls = vit.forward(ps, new NDList(x), false).singletonOrThrow().get(":, 0, :");
                float[] f = cls.toFloatArray();
                out.printf("feature  CLS after final norm: dim %d, L2 norm %.4f, first values %s%n", f.length,
                        cls.norm().getFloat(), java.util.Arrays.toString(java.util.Arrays.copyOf(f, Math.min(4, f.length))));
            }
            try (NDManager step = m.newSubManager()) {
                NDArray xs = step.randomNormal(new Shape(batch, 3, config.imageSize(), config.imageSize()));
                vit.forward(ps, new NDList(xs), false).singletonOrThrow().toFloatArray();
                long t0 = System.nanoTime();
                int reps = 3;
                for (int i = 0; i < reps; i++) {
                    try (ExitGuard.Hold exit = ExitGuard.hold(); NDManager inner = step.newSubManager()) {
                        vit.forward(ps, new NDList(xs.duplicate()), false).singletonOrThrow().toFloatArray();
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                out.printf("speed    %.1f images/s forward (%s, batch %d, %s)%n", reps * batch / s, config.name(), batch,
                        m.getDevice());
            }
        }
        return 0;
    }

    private static BufferedImage read(Path p) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(p.toFile());
        } catch (IOException e) {
            throw new VptlabException(p + ": cannot read image: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new VptlabException(p + ": not a readable image (unknown or corrupt format)");
        }
        return img;
    }

    private static BufferedImage synthetic(int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, (255 * x / size) << 16 | (255 * y / size) << 8 | 128);
            }
        }
        return img;
    }

    /** Bilinear resize to size×size, [0,1], ImageNet-normalised, CHW. */
    private static float[] pixels(BufferedImage src, int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, size, size, null);
        g.dispose();
        float[] out = new float[3 * size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = img.getRGB(x, y);
                for (int ch = 0; ch < 3; ch++) {
                    float v = ((rgb >> (16 - 8 * ch)) & 0xff) / 255f;
                    out[ch * size * size + y * size + x] = (v - MEAN[ch]) / STD[ch];
                }
            }
        }
        return out;
    }
}
