package dev.vptlab.cli;

import dev.vptlab.plan.Plan;
import dev.vptlab.plan.PlanTables;
import dev.vptlab.train.Runs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vptlab runs}: the run records under a folder, one line each with the headline metric. */
@Command(name = "runs", mixinStandardHelpOptions = true, description = "List the runs recorded under a folder, or a plan's runs.")
final class RunsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR|PLAN", defaultValue = "results",
            description = "Results folder, or a plan file (its runs with their states, missing ones included). Default ${DEFAULT-VALUE}.")
    Path dir;

    @Override
    public Integer call() {
        if (Files.isRegularFile(dir)) {
            Plan plan = Plan.read(dir);
            spec.commandLine().getOut().println(Runs.format(PlanTables.states(plan)));
            spec.commandLine().getOut().println(Runs.format(PlanTables.results(plan)));
            return 0;
        }
        spec.commandLine().getOut().println(Runs.format(Runs.load(dir)));
        return 0;
    }
}
