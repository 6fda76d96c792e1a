package dev.vptlab.train;

import java.nio.file.Path;

/**
 * Runs a small CVPT training in a fresh JVM and reports, every 50 steps, the arrays held by the run's manager and the
 * bytes in use in the C heap, where libtorch's CPU allocator takes its tensors from. glibc's {@code malloc_stats()}
 * prints the latter to stderr ("in use bytes" of the total, mmap included); it is reached through the JDK 17
 * incubating foreign linker by reflection, so the test sources need no extra compiler flags. RSS would be a poorer
 * measure: it moves with the JIT, the GC and allocator arenas by tens of MiB.
 */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    public static void main(String[] args) {
        int steps = Integer.parseInt(args[1]);
        RunConfig c = TrainerTest.small("cvpt").epochs(steps / 8).testEvery(0).valEvery(0).build(); // 8 steps/epoch
        new Trainer(c, TrainerTest.splits(c), Path.of(args[0]), new Progress(Progress.Mode.QUIET, System.err))
                .withObserver((step, base) -> {
                    if ((step + 1) % 50 == 0) {
                        System.gc();
                        System.out.println("sample " + (step + 1) + " " + base.getManagedArrays().size());
                        System.out.flush();
                        mallocStats(); // its "in use bytes" lines go to stderr, in step order
                    }
                }).run(false);
    }

    private static void mallocStats() {
        try {
            Class<?> linker = Class.forName("jdk.incubator.foreign.CLinker");
            Class<?> descriptor = Class.forName("jdk.incubator.foreign.FunctionDescriptor");
            Class<?> symbolLookup = Class.forName("jdk.incubator.foreign.SymbolLookup");
            Class<?> address = Class.forName("jdk.incubator.foreign.Addressable");
            Object lookup = linker.getMethod("systemLookup").invoke(null);
            Object symbol = ((java.util.Optional<?>) symbolLookup.getMethod("lookup", String.class).invoke(lookup, "malloc_stats")).orElseThrow();
            Object voidDescriptor = descriptor.getMethod("ofVoid", Class.forName("[Ljdk.incubator.foreign.MemoryLayout;"))
                    .invoke(null, (Object) java.lang.reflect.Array.newInstance(Class.forName("jdk.incubator.foreign.MemoryLayout"), 0));
            Object cLinker = linker.getMethod("getInstance").invoke(null);
            java.lang.invoke.MethodHandle h = (java.lang.invoke.MethodHandle) linker
                    .getMethod("downcallHandle", address, java.lang.invoke.MethodType.class, descriptor)
                    .invoke(cLinker, symbol, java.lang.invoke.MethodType.methodType(void.class), voidDescriptor);
            h.invokeWithArguments();
        } catch (Throwable e) {
            throw new IllegalStateException("malloc_stats() through jdk.incubator.foreign", e);
        }
    }
}
