package dev.vptlab.checkpoint;

import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The long seeded fuzz run: every mutation kind of {@link CheckpointMutations}, as many cases as
 * {@code -Djqwik.tries.default} asks (jqwik's default, 1000, otherwise). Not part of {@code mvn test} (its
 * name does not end in Test); run it with
 *
 * <pre>mvn -B -ntp -pl lib test -Dtest=CheckpointFuzzBench -Djqwik.tries.default=10000</pre>
 *
 * It prints the number of cases, successful loads, typed errors by class, untyped errors, hangs, out-of-memory
 * errors and the wall time; the first untyped error, hang or OOM fails it with the case (and jqwik's seed).
 */
class CheckpointFuzzBench extends CheckpointMutations {
    private static long start;

    @BeforeContainer
    static void startClock() {
        for (java.util.concurrent.atomic.AtomicLong n : new java.util.concurrent.atomic.AtomicLong[] {LOADED, TYPED,
            UNTYPED, HANGS, OOMS}) {
            n.set(0);
        }
        BY_TYPE.clear();
        start = System.nanoTime();
    }

    @Property(seed = "20251206")
    void anyMutationLoadsOrFailsTyped(@ForAll("anyMutation") Case c) {
        check(c);
    }

    @AfterContainer
    static void report() {
        long cases = LOADED.get() + TYPED.get() + UNTYPED.get() + HANGS.get() + OOMS.get();
        System.out.printf(Locale.ROOT, "checkpoint fuzz: %d cases in %.1f s: %d loaded, %d typed errors %s,"
                + " %d untyped, %d hangs (> %d s), %d out of memory%n", cases, (System.nanoTime() - start) / 1e9,
                LOADED.get(), TYPED.get(), BY_TYPE, UNTYPED.get(), HANGS.get(), TIME_LIMIT_S, OOMS.get());
    }
}
