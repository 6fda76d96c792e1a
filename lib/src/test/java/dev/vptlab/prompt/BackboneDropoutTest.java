package dev.vptlab.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.model.Attention;
import dev.vptlab.model.BlockOptions;
import dev.vptlab.model.BranchPosition;
import dev.vptlab.model.Dropout;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.testutil.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * CVPT's backbone dropout ({@code drop_rate}) as an option: at rate 0 the forward is exactly the one without the
 * option (no extra mask draws, the same values bit for bit), at evaluation it is the identity, and in training its
 * masks come from the engine's generator, so the same seed gives the same masks (the trainers re-seed before every
 * step, which makes a resumed run draw what an uninterrupted one draws). The values against PyTorch are
 * {@code seg.BackboneDropoutParityTest}'s.
 */
class BackboneDropoutTest {
    static final int[] TAPS = {4, 8, 11};

    @Test
    void rateZeroIsTheForwardWithoutTheOptionBitForBit() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = trunk(m);
            CrossVisualPrompts cvpt = cvpt(vit, m, 0f);
            PromptedVit model = new PromptedVit(vit, cvpt, Pooling.CLS, head(m), m);
            NDArray images = images(m);
            List<Shape> draws = new ArrayList<>();
            Dropout.Uniforms engine = (mm, s) -> {
                draws.add(s);
                return mm.randomUniform(0f, 1f, s);
            };
            Engine.getInstance().setRandomSeed(11);
            NDList taps = Dropout.withUniforms(engine, () -> model.features(images, TAPS, true));
            // Only the masks the method drew before the option existed: prompt dropout [B, M, D], drop-path [B, 1, 1].
            for (Shape s : draws) {
                boolean prompt = s.equals(new Shape(2, 4, 24));
                boolean dropPath = s.equals(new Shape(2, 1, 1));
                assertEquals(true, prompt || dropPath, "unexpected mask draw " + s);
            }
            assertEquals(12 + 11 * 2, draws.size(), "12 prompt-dropout masks, 2 drop-path masks in blocks 1..11");

            // The block loop as CVPT ran it without the option: the cross-attention branch with prompt dropout only.
            Engine.getInstance().setRandomSeed(11);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray x = vit.embed(ps, images, false);
            NDArray prompts = cvpt.parameters().get("cross_prompts");
            for (int i = 0; i <= TAPS[TAPS.length - 1]; i++) {
                Attention attn = vit.block(i).attention();
                Attention.CrossWeights w = attn.sharedWeights(ps);
                NDArray p = prompts.get(i + ":" + (i + 1));
                BlockOptions plain = new BlockOptions(null, t -> attn.crossAttend(t, PromptDropout.apply(p, 2, 0.1f, true), w),
                        BranchPosition.AFTER_ATTENTION, 0.1f * i / 11);
                x = vit.block(ps, i, x, plain, true);
            }
            assertArrayEquals(x.get(":, 1:, :").transpose(0, 2, 1).reshape(2, 24, 4, 4).toFloatArray(),
                    taps.get(2).toFloatArray(), "bit-identical");
        }
    }

    @Test
    void evaluationIsTheIdentity() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = trunk(m);
            PromptedVit with = new PromptedVit(vit, cvpt(vit, m, 0.1f), Pooling.CLS, head(m), m);
            PromptedVit without = new PromptedVit(vit, cvpt(vit, m, 0f), Pooling.CLS, head(m), m);
            copyTrainables(without, with);
            NDArray images = images(m);
            Dropout.Uniforms none = (mm, s) -> {
                throw new AssertionError("a mask was drawn at evaluation: " + s);
            };
            assertArrayEquals(without.forward(images, false).toFloatArray(),
                    Dropout.withUniforms(none, () -> with.forward(images, false)).toFloatArray());
            NDList a = without.features(images, TAPS, false);
            NDList b = Dropout.withUniforms(none, () -> with.features(images, TAPS, false));
            for (int j = 0; j < TAPS.length; j++) {
                assertArrayEquals(a.get(j).toFloatArray(), b.get(j).toFloatArray());
            }
        }
    }

    @Test
    void theSameSeedDrawsTheSameMasks() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = trunk(m);
            PromptedVit model = new PromptedVit(vit, cvpt(vit, m, 0.1f), Pooling.CLS, head(m), m);
            NDArray images = images(m);
            Function<Long, float[]> trained = seed -> {
                Engine.getInstance().setRandomSeed(seed.intValue());
                return model.features(images, TAPS, true).get(2).toFloatArray();
            };
            float[] first = trained.apply(5L);
            trained.apply(6L); // other draws in between, as other steps make them
            assertArrayEquals(first, trained.apply(5L));
            assertFalse(java.util.Arrays.equals(first, trained.apply(6L)), "another seed, other masks");
            assertFalse(java.util.Arrays.equals(first, model.features(images, TAPS, false).get(2).toFloatArray()),
                    "the dropout is active in training");
            Engine.getInstance().setRandomSeed(5);
            float[] logits = model.forward(images, true).toFloatArray();
            Engine.getInstance().setRandomSeed(5);
            assertArrayEquals(logits, model.forward(images, true).toFloatArray());
        }
    }

    static VisionTransformer trunk(NDManager m) {
        VisionTransformer vit = VisionTransformer.create(Fixtures.TINY, m);
        BackboneLoader.loadInto(vit, Checkpoint.read(Fixtures.vit("vit_timm.safetensors")));
        return vit;
    }

    static CrossVisualPrompts cvpt(VisionTransformer vit, NDManager m, float dropRate) {
        Engine.getInstance().setRandomSeed(3);
        return new CrossVisualPrompts(vit, m, 4, BranchPosition.AFTER_ATTENTION, 0.1f, 0.1f, dropRate,
                CrossVisualPrompts.Weights.SHARED_FROZEN);
    }

    static Head head(NDManager m) {
        return new ClassifierHead(m, 24, 5, ClassifierHead.Init.TORCH_DEFAULT);
    }

    static NDArray images(NDManager m) {
        return Fixtures.array(m, Fixtures.tensors(Fixtures.vit("inputs.safetensors")).get("images"));
    }

    private static void copyTrainables(PromptedVit from, PromptedVit to) {
        from.trainableParameters().forEach((k, v) -> dev.vptlab.model.InPlace.copy(to.trainableParameters().get(k), v));
    }
}
