package dev.vptlab.ssl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.checkpoint.Checkpoint;
import dev.vptlab.checkpoint.Safetensors;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrunkFileTest {
    @TempDir
    Path tmp;

    @Test
    void savedTrunkLoadsStrictlyWithItsMetadataAndManifest() throws Exception {
        Path file = tmp.resolve("mae.safetensors");
        PretrainOptions o = new PretrainOptions(1, 16, 1e-3, 0.05, 0.95, 0.0, 42, 0);
        Map<String, float[]> saved = new java.util.LinkedHashMap<>();
        SslTestData.singleThreaded(() -> {
            try (Pretrainer p = new Pretrainer(o, SslTestData.train(32), VitConfig.VIT_TINY12_FMNIST, MaePretraining::new, null)) {
                p.train();
                p.save(file, "vptlab pretrain --method mae (test)");
                p.method().trunk().namedParameters().forEach((k, v) -> saved.put(k, v.getArray().toFloatArray()));
            }
            return null;
        });
        Safetensors.Contents c = Safetensors.read(file);
        assertEquals(VitConfig.VIT_TINY12_FMNIST.trunkTensorCount(), c.tensors().size());
        assertFalse(c.tensors().keySet().stream().anyMatch(k -> k.contains("decoder") || k.contains("mask_token")));
        Map<String, String> meta = c.metadata();
        assertEquals("3", meta.get(Checkpoint.META_NUM_HEADS));
        assertEquals("vit_tiny12_fmnist", meta.get(Checkpoint.META_ARCH));
        assertEquals("mae", meta.get("method"));
        assertEquals("1", meta.get("epochs"));
        assertEquals("42", meta.get("seed"));
        assertTrue(Double.isFinite(Double.parseDouble(meta.get("final_loss"))));

        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = BackboneLoader.load(file, m); // strict: every tensor, nothing extra
            assertEquals(VitConfig.VIT_TINY12_FMNIST, vit.config());
            vit.namedParameters().forEach((k, v) -> assertArrayEquals(saved.get(k), v.getArray().toFloatArray(), 0f, k));
        }

        Path manifest = TrunkFile.manifestPath(file);
        assertEquals(tmp.resolve("mae.manifest.json"), manifest);
        JsonObject j = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
        assertEquals("vptlab pretrain --method mae (test)", j.get("command").getAsString());
        assertEquals(42, j.get("seed").getAsLong());
        assertEquals(1, j.get("epochs").getAsInt());
        assertTrue(j.has("final_loss") && j.has("wall_seconds"));
        JsonObject v = j.getAsJsonObject("versions");
        for (String k : new String[] {"vptlab", "djl", "pytorch", "java"}) {
            assertTrue(v.has(k), k);
        }
    }
}
