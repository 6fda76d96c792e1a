package dev.vptlab.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.task.Classification;
import java.nio.file.Files;
import java.nio.file.Path;

/** The model a run config describes: its backbone read and checked, the method and the task's head built, seeded. */
public final class RunModels {
    private RunModels() {}

    /** Builds the frozen backbone and the prompted model exactly as the config says (seeded init). */
    public static PromptedVit build(RunConfig cfg, int[] imageShape, NDManager m) {
        Path file = Path.of(cfg.backbone());
        Checkpoint ck = Checkpoint.read(file);
        Checkpoint.Architecture arch = ck.architecture();
        VitConfig vc = cfg.heads() != null ? arch.config(file, cfg.heads()) : arch.config(file);
        if (imageShape[1] != imageShape[2] || imageShape[0] != vc.inChannels()) {
            throw new VptlabException("images of shape " + java.util.Arrays.toString(imageShape) + " do not fit "
                    + vc.name() + " (" + vc.inChannels() + " channels, square)");
        }
        if (imageShape[1] != vc.imageSize()) {
            vc = vc.withImageSize(imageShape[1]);
        }
        BackboneLoader.check(ck, vc); // names and shapes before the engine allocates anything
        Engine.getInstance().setRandomSeed((int) cfg.seed());
        VisionTransformer vit = VisionTransformer.create(vc, m);
        BackboneLoader.loadInto(vit, ck);
        return Classification.TASK.model(cfg.method(), vit, m, cfg.pooling(), cfg.numClasses());
    }

    /** The input shape [C, side, side] of the backbone a config names. */
    public static int[] inputShape(RunConfig cfg) {
        Path file = Path.of(cfg.backbone());
        if (!Files.isRegularFile(file)) {
            throw new VptlabException("backbone checkpoint not found: " + file);
        }
        VitConfig shapes = Checkpoint.read(file).architecture().shapes();
        return new int[] {shapes.inChannels(), shapes.imageSize(), shapes.imageSize()};
    }

    /**
     * Loads trained values from a run's {@link #TRAINABLE_FILE} or {@link #STATE_FILE}, or from an official
     * trainer's file (safetensors or PyTorch, detected from the bytes), whose frozen trunk must equal the model's
     * backbone ({@link dev.vptlab.prompt.TrainedFile}).
     */
    public static void loadTrained(PromptedVit model, Path file) {
        model.loadTrainable(dev.vptlab.prompt.TrainedFile.read(file, model.backbone()), file.toString());
    }

}
