package dev.vptlab.cli;

import dev.vptlab.VptlabException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code vptlab} command line. Subcommands are thin: they parse, call the library and print.
 * Exit codes: 0 success, 1 a vptlab error (one line on stderr naming the file or value), 2 bad usage.
 */
@Command(name = "vptlab", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Visual prompt tuning (VPT, Gated Prompt Tuning, CVPT) on Vision Transformers.",
        subcommands = {CheckpointCommand.class, ModelCommand.class, TrainCommand.class, EvalCommand.class,
            SweepCommand.class, RunsCommand.class, BenchCommand.class, ReproduceCommand.class, DemoCommand.class,
            PretrainCommand.class, PlanCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code (used by tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof VptlabException) {
                err.println("vptlab: " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    /** Version string from the jar manifest, when packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"vptlab " + (v == null ? "(development build)" : v)};
        }
    }
}
