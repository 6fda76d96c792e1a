package dev.vptlab.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where Fashion-MNIST is and which seed renders the mini benchmark: shared by the commands that use it. */
final class MiniDataOptions {
    @Option(names = "--data-root", defaultValue = "data", description = "Holds fashion-mnist/ if not installed system-wide.")
    Path dataRoot;

    @Option(names = "--seed", defaultValue = "42",
            description = "Seed of the runs and of the mini benchmark's rendering (default ${DEFAULT-VALUE}).")
    long seed;
}
