package dev.vptlab.train;

import dev.vptlab.prompt.VptShallow;
import dev.vptlab.data.Splits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.vptlab.checkpoint.BackboneLoader;
import dev.vptlab.data.Batches;
import dev.vptlab.task.DataSources;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptedVit;
import dev.vptlab.testutil.Fixtures;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PrefixCacheTest {
    /** The fixture trunk with prompts at its last block: every other block is frozen prefix. */
    private static PromptedVit lastBlockModel(NDManager m) {
        VisionTransformer vit = BackboneLoader.load(Fixtures.vit("vit_timm.safetensors"), Fixtures.TINY, m);
        return VptShallow.Config.of(2).withInsertBlock(12).model(vit, m, Pooling.CLS, 10);
    }

    @Test
    void buildingHoldsNoIntermediatesAndMatchesThePrefix() {
        try (NDManager m = NDManager.newBaseManager()) {
            PromptedVit model = lastBlockModel(m);
            Splits s = DataSources.synthetic(32, 3, 10, 1);
            VisionTransformer vit = model.backbone();
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

    private static float[] all(PrefixCache c, int n, NDManager m) {
        try (NDManager step = m.newSubManager()) {
            return c.batch(step, Batches.range(0, n)).toFloatArray();
        }
    }

    @Test
    void carryingACacheOnGivesExactlyWhatBuildingItGives() {
        try (NDManager m = NDManager.newBaseManager()) {
            PromptedVit model = lastBlockModel(m);
            Splits s = DataSources.synthetic(32, 3, 10, 1);
            int n = s.test().size();
            try (PrefixCache direct = PrefixCache.build(model, s.test(), 9, 48, m);
                    PrefixCache early = PrefixCache.build(model, s.test(), 2, 48, m)) {
                float[] want = all(direct, n, m);
                PrefixCache carried = early.advance(model, 9, 48, m);
                assertEquals(9, carried.block());
                assertArrayEquals(want, all(carried, n, m), 0f, "bit for bit");
                assertThrows(IllegalArgumentException.class, () -> carried.advance(model, 3, 48, m));
            }
        }
    }

    @Test
    void sharedCachesAreReusedCarriedOnOrRebuilt() {
        try (NDManager m = NDManager.newBaseManager(); SharedPrefixCaches shared = new SharedPrefixCaches()) {
            PromptedVit model = lastBlockModel(m);
            Splits s = DataSources.synthetic(32, 3, 10, 1);
            Splits same = DataSources.synthetic(32, 3, 10, 1); // equal images, another object: not recognised
            PrefixCache a = shared.get("trunk", model, s.val(), 3, m);
            assertSame(a, shared.get("trunk", model, s.val(), 3, m));
            PrefixCache b = shared.get("trunk", model, s.val(), 6, m);
            assertEquals(6, b.block());
            shared.get("trunk", model, s.val(), 2, m);
            shared.get("other", model, s.val(), 2, m);
            shared.get("other", model, same.val(), 2, m);
            assertEquals("4 built, 1 carried on, 1 reused", shared.counts());
            shared.keepOnly(Set.of(same.val()));
            assertSame(shared.get("other", model, same.val(), 2, m), shared.get("other", model, same.val(), 2, m));
            shared.get("other", model, s.val(), 2, m);
            assertEquals("5 built, 1 carried on, 3 reused", shared.counts());
            assertTrue(shared.holds("other", s.val(), 2) && shared.holds("other", s.val(), 7));
            assertFalse(shared.holds("other", s.val(), 1) || shared.holds("trunk", s.val(), 7) || shared.holds("other", s.test(), 7));
            shared.release(s.val());
            assertFalse(shared.holds("other", s.val(), 7));
        }
    }
}
