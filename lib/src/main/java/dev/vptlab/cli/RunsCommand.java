package dev.vptlab.cli;

import dev.vptlab.train.Runs;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vptlab runs}: the run records under a folder, one line each with the headline metric. */
@Command(name = "runs", mixinStandardHelpOptions = true, description = "List the runs recorded under a folder.")
final class RunsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", defaultValue = "results", description = "Results folder (default ${DEFAULT-VALUE}).")
    Path dir;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(Runs.format(Runs.load(dir)));
        return 0;
    }
}
