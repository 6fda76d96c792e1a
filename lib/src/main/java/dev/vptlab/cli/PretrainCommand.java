package dev.vptlab.cli;

import dev.vptlab.data.FashionMnist;
import dev.vptlab.model.VitConfig;
import dev.vptlab.ssl.FashionMnistImages;
import dev.vptlab.ssl.LinearProbe;
import dev.vptlab.ssl.PretrainMethods;
import dev.vptlab.ssl.PretrainOptions;
import dev.vptlab.ssl.PretrainResult;
import dev.vptlab.ssl.Pretrainer;
import dev.vptlab.ssl.TrunkFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vptlab pretrain}: MAE, MoCo v3 or supervised pretraining of the tiny trunk
 * ({@code vit_tiny12_fmnist}) on Fashion-MNIST's training images; writes the trunk as safetensors that
 * {@code BackboneLoader} (and so {@code vptlab train --backbone}) loads, with a manifest beside it.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Pretrain vit_tiny12_fmnist on Fashion-MNIST (MAE, MoCo v3 or supervised) and save the trunk.",
            "Defaults, each measured under 5 minutes on 2 idle CPU cores: mae 60000 images x 2 epochs, batch 128,",
            "lr 1.5e-3 (144 s); supervised 40000 x 1, batch 128, lr 1e-3 (164 s); mocov3 15000 x 1, batch 128,",
            "lr 1e-3 (191 s). On cores busy with other work, pass --threads 1."})
final class PretrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--method", required = true, description = "mae, mocov3 or supervised.")
    String method;

    @Option(names = "--epochs", description = "Epochs (default: the method's, see above).")
    Integer epochs;

    @Option(names = "--batch-size", description = "Images per step (default: the method's).")
    Integer batchSize;

    @Option(names = "--lr", description = "Peak AdamW learning rate (default: the method's).")
    Double lr;

    @Option(names = "--weight-decay", description = "AdamW weight decay on weights of rank >= 2 (default 0.05).")
    Double weightDecay;

    @Option(names = "--warmup-fraction", description = "Share of steps in the linear warm-up (default 0.1).")
    Double warmupFraction;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of initialisation, order, augmentation, masks (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--train-subset", description = "Use the first N training images (default: the method's; 0 = all 60000).")
    Integer trainSubset;

    @Option(names = "--data", description = "Folder holding Fashion-MNIST's IDX files (default: the usual locations).")
    Path data;

    @Option(names = "--out", required = true, description = "Trunk file to write (.safetensors); FILE.manifest.json goes beside it.")
    Path out;

    @Option(names = "--log-every", defaultValue = "20", description = "Progress line every N steps on stderr, 0 for none (default ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--threads", description = "PyTorch intra-op threads (default: the engine's, one per core). 1 avoids "
            + "OpenMP stalls when other processes share the cores.")
    Integer threads;

    @Option(names = "--probe-train", defaultValue = "0",
            description = "After training, linear-probe the trunk and a random-init trunk on this many training images (0: skip).")
    int probeTrain;

    @Option(names = "--probe-test", defaultValue = "2000", description = "Test images (t10k) for --probe-train (default ${DEFAULT-VALUE}).")
    int probeTest;

    @Override
    public Integer call() {
        PrintWriter w = spec.commandLine().getOut();
        PretrainMethods m = PretrainMethods.named(method);
        if (threads != null) {
            if (threads < 1) {
                throw new dev.vptlab.VptlabException("--threads must be at least 1, got " + threads);
            }
            ai.djl.engine.Engine.getInstance(); // loads the native library first
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
        PretrainOptions o = m.options(epochs, batchSize, lr, weightDecay, warmupFraction, seed, logEvery);
        Path dir = data != null ? data : FashionMnist.locate();
        FashionMnist train = FashionMnist.load(dir, "train");
        int subset = trainSubset != null ? trainSubset : m.defaultSubset();
        FashionMnistImages images = new FashionMnistImages(train, "train", subset <= 0 ? train.size() : Math.min(subset, train.size()),
                dev.vptlab.ssl.Augmentations.center());
        // originalArgs() holds the whole command line, subcommand name included
        String command = "vptlab " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        PretrainResult r;
        try (Pretrainer p = new Pretrainer(o, images, VitConfig.VIT_TINY12_FMNIST, m.factory(), System.err)) {
            r = p.train();
            p.save(out, command);
        }
        w.printf(Locale.ROOT, "%s: %d images x %d epochs (%d steps, batch %d, lr %g), final loss %.4f, %.1f s; wrote %s and %s%n",
                r.method(), r.trainImages(), r.epochs(), r.steps(), o.batchSize(), o.lr(), r.finalLoss(), r.wallSeconds(), out,
                TrunkFile.manifestPath(out).getFileName());
        if (probeTrain > 0) {
            FashionMnistImages probeTrainSet = new FashionMnistImages(train, "train", Math.min(probeTrain, train.size()),
                    dev.vptlab.ssl.Augmentations.center());
            FashionMnist t10k = FashionMnist.load(dir, "t10k");
            FashionMnistImages probeTestSet = new FashionMnistImages(t10k, "t10k", Math.min(probeTest, t10k.size()),
                    dev.vptlab.ssl.Augmentations.center());
            LinearProbe.Result trained = LinearProbe.evaluate(out, probeTrainSet, probeTestSet);
            LinearProbe.Result random = LinearProbe.evaluateRandomInit(VitConfig.VIT_TINY12_FMNIST, seed, trained.pooling(),
                    probeTrainSet, probeTestSet);
            w.printf(Locale.ROOT, "linear probe (%s pooling, %d train / %d test images): pretrained %.2f%%, random init %.2f%%%n",
                    trained.pooling(), trained.trainImages(), trained.testImages(), 100 * trained.testAccuracy(),
                    100 * random.testAccuracy());
        }
        return 0;
    }
}
