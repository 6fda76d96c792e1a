package dev.vptlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.data.Batches;
import dev.vptlab.data.DataSources;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.testutil.Fixtures;
import org.junit.jupiter.api.Test;

class PrefixCacheTest {
    @Test
    void buildingHoldsNoIntermediatesAndMatchesThePrefix() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = BackboneLoader.load(Fixtures.vit("vit_timm.safetensors"), Fixtures.TINY, m);
            PromptedVit model = MethodConfig.of("vpt-shallow", 2).withInsertBlock(12).model(vit, m, Pooling.CLS, 10);
            Trainer.Splits s = DataSources.synthetic(32, 3, 10, 1);
            int before = m.getManagedArrays().size() + vit.namedParameters().values().iterator().next().getArray().getManager()
                    .getManagedArrays().size();
            PrefixCache c = PrefixCache.build(model, s.test(), 11, 32, m);
            int after = m.getManagedArrays().size() + vit.namedParameters().values().iterator().next().getArray().getManager()
                    .getManagedArrays().size();
            // Without a scope, every block's intermediates stayed attached to the parameters' manager until the run ended.
            assertEquals(before, after, "arrays left behind by building the cache");
            try (NDManager step = m.newSubManager(); NDScope scope = new NDScope()) {
                int[] idx = Batches.range(0, 4);
                NDArray direct = model.prefix(Batches.images(step, s.test(), idx, i -> null), 11);
                assertArrayEquals(direct.toFloatArray(), c.batch(step, idx).toFloatArray(), 1e-6f);
            }
        }
    }
}
