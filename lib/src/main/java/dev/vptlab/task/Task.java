package dev.vptlab.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.prompt.ClassifierHead;
import dev.vptlab.prompt.Head;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptedVit;

/**
 * What the prompted backbone is trained to do: the task supplies the head, what a batch's target is, the loss,
 * the running training metric and the evaluation of a split. The trainer and the evaluator only talk to this
 * interface; {@link Classification} is the papers' VTAB-1K and FGVC task.
 */
public interface Task {
    /** The task's kind in messages and records ({@code classification}). */
    String kind();

    /** A fresh head reading features of width {@code dim}, with {@code outputs} outputs, initialised as {@code init}. */
    Head head(NDManager m, int dim, int outputs, ClassifierHead.Init init);

    /** The target of the batch {@code indices} of {@code d}, on {@code m}. */
    NDArray target(NDManager m, ImageDataset d, int[] indices);

    /** The training loss of a batch (a scalar, mean over the batch). */
    NDArray loss(NDArray output, NDArray target);

    /** How many of the batch's items the output gets right (the training metric's numerator). */
    long correct(NDArray output, NDArray target);

    /** The evaluation of a whole split from its outputs, row-major in dataset order. */
    EvalResult evaluate(String split, float[] outputs, ImageDataset d);

    /** The model for this task: {@code method} built on {@code vit}, {@code pooling}, and this task's head. */
    default PromptedVit model(MethodConfig method, VisionTransformer vit, NDManager m, Pooling pooling, int outputs) {
        return method.model(vit, m, pooling, (hm, dim, init) -> head(hm, dim, outputs, init));
    }
}
