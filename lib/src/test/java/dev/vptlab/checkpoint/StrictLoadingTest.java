package dev.vptlab.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.testutil.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad checkpoints fail with a typed error naming the file and the problem, before any weight is copied. */
class StrictLoadingTest {
    @TempDir
    Path tmp;

    @Test
    void missingBlockListsItsKeys() {
        Path f = Fixtures.vit("vit_mae_missing_block5.pth");
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> BackboneLoader.match(Checkpoint.read(f), BackboneLoader.expectedShapes(Fixtures.TINY), new ArrayList<>()));
        assertEquals(12, e.missing().size());
        assertTrue(e.missing().stream().allMatch(k -> k.startsWith("blocks.5.")), e.missing().toString());
        assertTrue(e.getMessage().startsWith(f.toString()));
        assertTrue(e.getMessage().contains("blocks.5.attn.qkv.weight"));
    }

    @Test
    void misshapedKeyIsNamedWithBothShapes() {
        Path f = Fixtures.vit("vit_timm_misshaped.safetensors");
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> BackboneLoader.match(Checkpoint.read(f), BackboneLoader.expectedShapes(Fixtures.TINY), new ArrayList<>()));
        assertEquals(java.util.List.of("blocks.3.mlp.fc1.weight [95, 24] (expected [96, 24])"), e.misshaped());
    }

    @Test
    void failedLoadLeavesTheModelUntouched() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(Fixtures.TINY, m);
            float[] before = vit.namedParameters().get("blocks.0.attn.qkv.weight").getArray().toFloatArray();
            assertThrows(CheckpointMismatchException.class,
                    () -> BackboneLoader.loadInto(vit, Checkpoint.read(Fixtures.vit("vit_timm_misshaped.safetensors"))));
            assertArrayEquals(before, vit.namedParameters().get("blocks.0.attn.qkv.weight").getArray().toFloatArray());
        }
    }

    @Test
    void unexpectedKeysFail() {
        Checkpoint c = Checkpoint.read(Fixtures.vit("vit_timm.safetensors"));
        Map<String, long[]> fewer = BackboneLoader.expectedShapes(Fixtures.TINY.withName("shallow"));
        fewer.keySet().removeIf(k -> k.startsWith("blocks.11."));
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> BackboneLoader.match(c, fewer, new ArrayList<>()));
        assertEquals(12, e.unexpected().size());
    }

    @Test
    void headCountIsNeverGuessed() {
        Path f = Fixtures.vit("vit_timm.safetensors");
        Checkpoint.Architecture a = Checkpoint.read(f).architecture();
        assertEquals(24, a.shapes().embedDim());
        assertEquals(12, a.shapes().depth());
        assertEquals(8, a.shapes().patchSize());
        assertEquals(32, a.shapes().imageSize());
        assertTrue(a.heads().isEmpty());
        UnknownArchitectureException e = assertThrows(UnknownArchitectureException.class, () -> a.config(f));
        assertTrue(e.getMessage().contains("head count"), e.getMessage());
    }

    @Test
    void truncatedSafetensors() throws IOException {
        byte[] all = Files.readAllBytes(Fixtures.vit("vit_timm.safetensors"));
        Path f = tmp.resolve("truncated.safetensors");
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 1000));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void wrongMagic() throws IOException {
        Path f = tmp.resolve("noise.bin");
        Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().contains("wrong magic"), e.getMessage());
        Path empty = tmp.resolve("empty.safetensors");
        Files.write(empty, new byte[0]);
        assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(empty));
        assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(tmp.resolve("absent.pth")));
    }

    @Test
    void truncatedZip() throws IOException {
        byte[] all = Files.readAllBytes(Fixtures.vit("vit_mae.pth"));
        Path f = tmp.resolve("cut.pth");
        Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
        assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(f));
    }

    @Test
    void posEmbedResamplingMatchesTimm() {
        Map<String, RawTensor> t = Fixtures.tensors(Fixtures.vit("posembed.safetensors"));
        for (int size : new int[] {48, 16, 40}) {
            RawTensor got = PosEmbed.resample(t.get("pos_embed"), size / 8);
            RawTensor want = t.get("pos_embed_" + size);
            assertArrayEquals(want.shape(), got.shape());
            double e = Fixtures.relErr(got.toFloatArray(), want.toFloatArray());
            assertTrue(e <= 1e-6, size + ": " + e);
        }
    }

    @Test
    void loadingAtAnotherImageSizeResamplesPosEmbed() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(Fixtures.TINY.withImageSize(48), m);
            LoadReport r = BackboneLoader.loadInto(vit, Checkpoint.read(Fixtures.vit("vit_timm.safetensors")));
            assertTrue(r.notes().get(0).contains("4x4 -> 6x6"), r.notes().toString());
            float[] want = Fixtures.tensors(Fixtures.vit("posembed.safetensors")).get("pos_embed_48").toFloatArray();
            float[] got = vit.namedParameters().get("pos_embed").getArray().toFloatArray();
            assertTrue(Fixtures.relErr(got, want) <= 1e-6);
        }
    }

    @Test
    void vitB16Arithmetic() {
        VitConfig b = VitConfig.VIT_B16;
        assertEquals(150, b.trunkTensorCount());
        assertEquals(150, BackboneLoader.expectedShapes(b).size());
        assertEquals(85_798_656L, b.trunkParameterCount());
        assertEquals(85_798_656L, BackboneLoader.expectedShapes(b).values().stream()
                .mapToLong(RawTensor::numel).sum());
        assertEquals(0.125f, b.attentionScale());
    }

    @Test
    void modelNamesAreTheExpectedTimmNames() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(Fixtures.TINY, m);
            Map<String, long[]> want = BackboneLoader.expectedShapes(Fixtures.TINY);
            assertEquals(new ArrayList<>(want.keySet()), new ArrayList<>(vit.namedParameters().keySet()));
            vit.namedParameters().forEach((k, p) -> assertArrayEquals(want.get(k), p.getArray().getShape().getShape(), k));
            assertTrue(vit.namedParameters().values().stream().noneMatch(p -> p.requiresGradient()), "trunk must be frozen");
        }
    }

    @Test
    void savedTrainableParametersRoundTrip() {
        Path f = tmp.resolve("sub/params.safetensors");

        RawTensor t = RawTensor.ofFloats(new long[] {2, 3}, new float[] {0.5f, -1f, 2f, 3.25f, 1e-7f, -0f});
        Safetensors.write(f, Map.of("prompt", t), Map.of("method", "vpt"));
        Safetensors.Contents c = Safetensors.read(f);
        assertArrayEquals(t.toFloatArray(), c.tensors().get("prompt").toFloatArray());
        assertArrayEquals(new long[] {2, 3}, c.tensors().get("prompt").shape());
        assertEquals("vpt", c.metadata().get("method"));

    }
}
