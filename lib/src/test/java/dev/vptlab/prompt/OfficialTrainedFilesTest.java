package dev.vptlab.prompt;

import dev.vptlab.train.RunModels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.CheckpointFormatException;
import dev.vptlab.checkpoint.RawTensor;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.model.InPlace;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.testutil.Fixtures;
import dev.vptlab.train.Trainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Files saved by the official trainers (built by make_official_fixtures.py from the method fixtures) load through
 * {@link Trainer#loadTrained} and give the PyTorch reference logits, the same as the native path; a frozen trunk
 * that is not the loaded backbone, and a file of no known format, fail with typed errors naming the file.
 */
class OfficialTrainedFilesTest {
    @ParameterizedTest
    @CsvSource({"gated_last_model.pth, gated_mae", "vpt_deep_model.pth, vpt_deep_mae", "cvpt_model.pth, cvpt_pos3"})
    void officialFileGivesTheReferenceLogits(String file, String fixture) {
        Safetensors.Contents c = Safetensors.read(Fixtures.methods(fixture + ".safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray images = Fixtures.array(m, Fixtures.tensors(Fixtures.vit("inputs.safetensors")).get("images"));
            PromptedVit official = model(m, c.metadata());
            RunModels.loadTrained(official, Fixtures.official(file));
            float[] fromOfficial = official.forward(images, false).toFloatArray();

            PromptedVit nativePath = model(m, c.metadata());
            Map<String, RawTensor> params = new LinkedHashMap<>();
            c.tensors().forEach((k, v) -> {
                if (k.startsWith("param.")) {
                    params.put(k.substring(6), v);
                }
            });
            nativePath.loadTrainable(params, fixture);
            float[] fromNative = nativePath.forward(images, false).toFloatArray();

            assertTrue(Fixtures.relErr(fromOfficial, c.tensors().get("logits").toFloatArray()) <= 1e-5, file + " vs reference");
            assertEquals(java.util.Arrays.toString(fromNative), java.util.Arrays.toString(fromOfficial), file + " vs native");
        }
    }

    @Test
    void aTrunkThatIsNotTheBackboneIsRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            PromptedVit model = model(m, Safetensors.read(Fixtures.methods("gated_mae.safetensors")).metadata());
            NDArray norm = model.backbone().namedParameters().get("norm.weight").getArray();
            float[] v = norm.toFloatArray();
            v[3] += 0.01f;
            InPlace.copy(norm, v);
            Path file = Fixtures.official("gated_last_model.pth");
            PromptFileException e = assertThrows(PromptFileException.class, () -> RunModels.loadTrained(model, file));
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("enc.norm.weight differs by up to"), e.getMessage());
            assertTrue(!e.getMessage().contains("blocks."), "only the changed tensor is named: " + e.getMessage());
        }
    }

    @Test
    void anUnknownFormatIsATypedErrorNamingTheFile() {
        Path file = Fixtures.root().resolve("pickle").resolve("random.bin");
        try (NDManager m = NDManager.newBaseManager()) {
            PromptedVit model = model(m, Safetensors.read(Fixtures.methods("gated_mae.safetensors")).metadata());
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> RunModels.loadTrained(model, file));
            assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("unrecognised checkpoint format"),
                    e.getMessage());
        }
    }

    private static PromptedVit model(NDManager m, Map<String, String> meta) {
        VisionTransformer vit = VisionTransformer.create(Fixtures.TINY, m);
        BackboneLoader.loadInto(vit, Checkpoint.read(Fixtures.vit("vit_timm.safetensors")));
        return MethodParityTest.build(vit, m, meta);
    }
}
