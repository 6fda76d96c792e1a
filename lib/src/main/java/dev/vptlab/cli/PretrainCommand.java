package dev.vptlab.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.vptlab.VptlabException;
import dev.vptlab.data.FashionMnist;
import dev.vptlab.model.VitConfig;
import dev.vptlab.ssl.Augmentations;
import dev.vptlab.ssl.FashionMnistImages;
import dev.vptlab.ssl.LinearProbe;
import dev.vptlab.ssl.PretrainMethods;
import dev.vptlab.ssl.PretrainOptions;
import dev.vptlab.ssl.PretrainResult;
import dev.vptlab.ssl.Pretrainer;
import dev.vptlab.ssl.TrunkFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vptlab pretrain}: MAE, MoCo v3 or supervised pretraining of the tiny trunk
 * ({@code vit_tiny12_fmnist}) on Fashion-MNIST's training images; writes the trunk as safetensors that
 * {@code BackboneLoader} (and so {@code vptlab train --backbone}) loads, with a manifest beside it. The
 * manifest records the command as given, an explicit command that reproduces the run (every setting
 * spelled out, so later changes of the defaults do not change it) and the linear probe of the trunk and
 * of the random-init trunk it started from. {@code --verify MANIFEST} re-runs a manifest's recipe and
 * compares the probe.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain vit_tiny12_fmnist on Fashion-MNIST (MAE, MoCo v3 or supervised), save the trunk and "
            + "linear-probe it against a random-init trunk. The defaults are the recipes of the embedded backbones "
            + "(docs/embedded-backbones.md); measured with --threads 1 on 2 shared cores: " + PretrainMethods.TIMINGS + ". "
            + "--verify MANIFEST re-runs a manifest's recipe and fails when its probe accuracy moves by more than "
            + "--tolerance points.")
final class PretrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--method", description = "mae, mocov3 or supervised (required unless --verify).")
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

    @Option(names = "--seed", description = "Seed of initialisation, order, augmentation, masks (default 0).")
    Long seed;

    @Option(names = "--train-subset", description = "Use the first N training images (default: the method's; 0 = all 60000).")
    Integer trainSubset;

    @Option(names = "--data", description = "Folder holding Fashion-MNIST's IDX files (default: the usual locations).")
    Path data;

    @Option(names = "--out", description = "Trunk file to write (.safetensors); FILE.manifest.json goes beside it "
            + "(required unless --verify, which defaults to a temporary folder).")
    Path out;

    @Option(names = "--log-every", defaultValue = "20", description = "Progress line every N steps on stderr, 0 for none (default ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--threads", description = "PyTorch intra-op threads (default: the engine's, one per core). 1 avoids "
            + "OpenMP stalls when other processes share the cores.")
    Integer threads;

    @Option(names = "--probe-train", description = "Linear-probe the trunk and a random-init trunk on the first N training "
            + "images after training, 0 to skip (default " + DEFAULT_PROBE_TRAIN + ").")
    Integer probeTrain;

    @Option(names = "--probe-test", description = "Test images (the first M of t10k) for the probe (default " + DEFAULT_PROBE_TEST + ").")
    Integer probeTest;

    @Option(names = "--verify", paramLabel = "MANIFEST", description = "Re-run the recipe a manifest records (method, "
            + "optimiser, seed, images, probe sizes) and compare the probe accuracy with the recorded one.")
    Path verify;

    @Option(names = "--tolerance", defaultValue = "2", description = "With --verify: the largest accepted change of the "
            + "probe accuracy, in points (default ${DEFAULT-VALUE}).")
    double tolerance;

    static final int DEFAULT_PROBE_TRAIN = 10_000;
    static final int DEFAULT_PROBE_TEST = 2_000;

    @Override
    public Integer call() {
        PrintWriter w = spec.commandLine().getOut();
        JsonObject recorded = null;
        if (verify != null) {
            recorded = TrunkFile.readManifest(verify);
            adoptRecipe(recorded);
        } else if (method == null || out == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: " + (method == null ? "--method" : "--out"));
        }
        PretrainMethods m = PretrainMethods.named(method);
        if (threads != null) {
            dev.vptlab.train.TorchThreads.set(threads);
        }
        long s = seed != null ? seed : 0;
        PretrainOptions o = m.options(epochs, batchSize, lr, weightDecay, warmupFraction, s, logEvery);
        Path dir = data != null ? data : FashionMnist.locate();
        FashionMnist train = FashionMnist.load(dir, "train");
        int subset = trainSubset != null ? trainSubset : m.defaultSubset();
        int nTrain = subset <= 0 ? train.size() : Math.min(subset, train.size());
        FashionMnistImages images = new FashionMnistImages(train, "train", nTrain, Augmentations.center());
        int pTrain = probeTrain != null ? probeTrain : DEFAULT_PROBE_TRAIN;
        int pTest = probeTest != null ? probeTest : DEFAULT_PROBE_TEST;
        Path target = out != null ? out : tempTarget(m);

        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("reproduce", reproduceCommand(m, o, nTrain, pTrain, pTest, target));
        extra.put("threads", threads != null ? (Object) threads : "engine default");
        PretrainResult r;
        try (Pretrainer p = new Pretrainer(o, images, VitConfig.VIT_TINY12_FMNIST, m.factory(), System.err)) {
            r = p.train();
            p.save(target, invokedCommand(), extra);
        }
        w.printf(Locale.ROOT, "%s: %d images x %d epochs (%d steps, batch %d, lr %g), final loss %.4f, %.1f s; wrote %s and %s%n",
                r.method(), r.trainImages(), r.epochs(), r.steps(), o.batchSize(), o.lr(), r.finalLoss(), r.wallSeconds(), target,
                TrunkFile.manifestPath(target).getFileName());
        if (pTrain <= 0) {
            if (recorded != null) {
                throw new VptlabException(verify + ": records no linear probe to compare with");
            }
            return 0;
        }
        FashionMnistImages probeTrainSet = new FashionMnistImages(train, "train", Math.min(pTrain, train.size()), Augmentations.center());
        FashionMnist t10k = FashionMnist.load(dir, "t10k");
        FashionMnistImages probeTestSet = new FashionMnistImages(t10k, "t10k", Math.min(pTest, t10k.size()), Augmentations.center());
        LinearProbe.Result trained = LinearProbe.evaluate(target, probeTrainSet, probeTestSet);
        LinearProbe.Result random = LinearProbe.evaluateRandomInit(VitConfig.VIT_TINY12_FMNIST, s, trained.pooling(),
                probeTrainSet, probeTestSet);
        Map<String, Object> probe = new LinkedHashMap<>();
        probe.put("pooling", trained.pooling().name());
        probe.put("train_split", probeTrainSet.name());
        probe.put("train_images", trained.trainImages());
        probe.put("test_split", probeTestSet.name());
        probe.put("test_images", trained.testImages());
        probe.put("l2", LinearProbe.L2);
        probe.put("iterations", LinearProbe.ITERATIONS);
        probe.put("accuracy", trained.testAccuracy());
        probe.put("train_accuracy", trained.trainAccuracy());
        probe.put("random_init_accuracy", random.testAccuracy());
        probe.put("random_init_seed", s);
        probe.put("margin_points", Math.round(10000 * (trained.testAccuracy() - random.testAccuracy())) / 100.0);
        probe.put("seconds", Math.round((trained.seconds() + random.seconds()) * 10) / 10.0);
        TrunkFile.updateManifest(target, Map.of("linear_probe", probe));
        w.printf(Locale.ROOT, "linear probe (%s pooling, %d train / %d test images): pretrained %.2f%%, random init %.2f%% (%+.2f points)%n",
                trained.pooling(), trained.trainImages(), trained.testImages(), 100 * trained.testAccuracy(),
                100 * random.testAccuracy(), 100 * (trained.testAccuracy() - random.testAccuracy()));
        if (recorded == null) {
            return 0;
        }
        double before = recorded.getAsJsonObject("linear_probe").get("accuracy").getAsDouble();
        double delta = 100 * (trained.testAccuracy() - before);
        w.printf(Locale.ROOT, "verify %s: recorded %.2f%%, re-run %.2f%%, change %+.2f points (tolerance %.2f)%n", verify,
                100 * before, 100 * trained.testAccuracy(), delta, tolerance);
        if (Math.abs(delta) > tolerance) {
            spec.commandLine().getErr().printf(Locale.ROOT, "vptlab: %s: the re-run's probe accuracy moved by %+.2f points, more than %.2f%n",
                    verify, delta, tolerance);
            return 1;
        }
        return 0;
    }

    /** Takes every recipe setting from a manifest; explicit recipe options alongside --verify are refused. */
    private void adoptRecipe(JsonObject j) {
        if (method != null || epochs != null || batchSize != null || lr != null || weightDecay != null || warmupFraction != null
                || seed != null || trainSubset != null || probeTrain != null || probeTest != null) {
            throw new ParameterException(spec.commandLine(), "--verify takes the recipe from the manifest; give only --out, "
                    + "--data, --threads, --log-every and --tolerance with it");
        }
        if (!j.has("linear_probe")) {
            throw new VptlabException(verify + ": records no linear probe to compare with");
        }
        try {
            method = field(j, "method").getAsString();
            PretrainMethods m = PretrainMethods.named(method);
            if (field(j, "beta2").getAsDouble() != m.beta2()) {
                throw new VptlabException(verify + ": beta2 " + field(j, "beta2") + " is not " + method + "'s " + m.beta2());
            }
            if (!VitConfig.VIT_TINY12_FMNIST.name().equals(field(j, "arch").getAsString())) {
                throw new VptlabException(verify + ": arch " + field(j, "arch") + " is not " + VitConfig.VIT_TINY12_FMNIST.name());
            }
            epochs = field(j, "epochs").getAsInt();
            batchSize = field(j, "batch_size").getAsInt();
            lr = field(j, "lr").getAsDouble();
            weightDecay = field(j, "weight_decay").getAsDouble();
            warmupFraction = field(j, "warmup_fraction").getAsDouble();
            seed = field(j, "seed").getAsLong();
            trainSubset = field(j, "train_images").getAsInt();
            JsonObject probe = field(j, "linear_probe").getAsJsonObject();
            probeTrain = field(probe, "train_images").getAsInt();
            probeTest = field(probe, "test_images").getAsInt();
        } catch (ClassCastException | IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
            // Gson: a field of another type
            throw new VptlabException(verify + ": not a vptlab pretrain manifest (" + e + ")");
        }
    }

    /** A manifest field that must be there. */
    private JsonElement field(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            throw new VptlabException(verify + ": not a vptlab pretrain manifest (no " + name + ")");
        }
        return e;
    }

    private Path tempTarget(PretrainMethods m) {
        try {
            return Files.createTempDirectory("vptlab-verify-").resolve(m.id() + ".safetensors");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The command line as given, from the subcommand's name on. */
    private String invokedCommand() {
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        int at = all.indexOf(spec.name()); // originalArgs() holds the whole command line: drop what precedes us
        List<String> words = new ArrayList<>(List.of("vptlab", spec.name()));
        words.addAll(all.subList(at + 1, all.size()));
        return shellJoin(words);
    }

    /** Every setting spelled out, so the command keeps reproducing the run if the defaults change. */
    private String reproduceCommand(PretrainMethods m, PretrainOptions o, int nTrain, int pTrain, int pTest, Path target) {
        List<String> words = new ArrayList<>(List.of("vptlab", "pretrain", "--method", m.id(), "--epochs",
                String.valueOf(o.epochs()), "--batch-size", String.valueOf(o.batchSize()), "--lr", num(o.lr()), "--weight-decay",
                num(o.weightDecay()), "--warmup-fraction", num(o.warmupFraction()), "--seed", String.valueOf(o.seed()),
                "--train-subset", String.valueOf(nTrain)));
        if (data != null) {
            words.addAll(List.of("--data", data.toString()));
        }
        if (threads != null) {
            words.addAll(List.of("--threads", String.valueOf(threads)));
        }
        words.addAll(List.of("--probe-train", String.valueOf(pTrain), "--probe-test", String.valueOf(pTest), "--out",
                target.getFileName().toString()));
        return shellJoin(words);
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String shellJoin(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String word : words) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(word.matches("[A-Za-z0-9_./:=+,@%-]+") ? word : "'" + word.replace("'", "'\\''") + "'");
        }
        return b.toString();
    }
}
