package dev.vptlab.cli;

import dev.vptlab.VptlabException;
import dev.vptlab.report.FreshJvmLauncher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code vptlab reproduce --workers N}: N JVMs, each running {@code vptlab reproduce … --shard i/N} (its share of the
 * study, {@code reproduce.StudyShards}), started with this JVM's java, options and classpath and this process's
 * environment ({@code MKL_CBWR} included). Their output comes through this process, each line prefixed with its
 * worker. When this process ends in any way (Ctrl-C, SIGTERM, SIGKILL), so do the workers ({@link #watchParent}); their
 * run folders are then as after a kill in one process, and the next {@code reproduce} resumes them.
 */
final class ReproduceWorkers {
    private ReproduceWorkers() {}

    /** Runs the workers ({@code args}: the reproduce command's arguments, without {@code --shard}) and waits for all. */
    static void run(List<String> args, int workers, PrintStream out) {
        List<Process> started = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        Thread stopAll = new Thread(() -> started.forEach(Process::destroy));
        Runtime.getRuntime().addShutdownHook(stopAll);
        List<String> failed = new ArrayList<>();
        try {
            for (int i = 1; i <= workers; i++) {
                List<String> cmd = new ArrayList<>(javaCommand());
                cmd.addAll(args);
                cmd.addAll(List.of("--workers", "1", "--shard", i + "/" + workers));
                // The worker's stdin stays open while this process lives: a worker whose stdin ends stops (watchParent),
                // so that no worker outlives a parent that was killed (even by SIGKILL, which runs no shutdown hook).
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
                started.add(p);
                pumps.add(pump(p, "[worker " + i + "/" + workers + "] ", out));
            }
            for (int i = 0; i < started.size(); i++) {
                int code = started.get(i).waitFor();
                pumps.get(i).join();
                if (code != 0) {
                    failed.add("worker " + (i + 1) + "/" + workers + " exited with " + code);
                }
            }
        } catch (IOException e) {
            throw new VptlabException("reproduce: cannot start a worker JVM: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VptlabException("reproduce: interrupted while the workers ran", e);
        } finally {
            started.forEach(Process::destroy);
            try {
                Runtime.getRuntime().removeShutdownHook(stopAll);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs
            }
        }
        if (!failed.isEmpty()) {
            throw new VptlabException("reproduce: " + String.join("; ", failed) + " (their output is above, each line prefixed with "
                    + "its worker); the runs that finished are kept, and reproduce again resumes the others");
        }
    }

    /**
     * In a worker: stops this JVM when its stdin ends, i.e. when the process that started it has ended, as soon as
     * the running step or evaluation batch is done ({@code util.ExitGuard}). Its run folder keeps the last finished
     * epoch or evaluation (writes are atomic) and the next {@code reproduce} resumes it.
     */
    static void watchParent() {
        Thread t = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent writes nothing; only the end matters
                }
            } catch (IOException e) {
                // a broken pipe is an end too
            }
            System.err.println("vptlab: reproduce worker: the parent process ended, stopping");
            System.exit(3); // after the running step: ExitGuard's hook waits for it
        }, "reproduce-parent-watch");
        t.setDaemon(true);
        t.start();
    }

    /** Copies a worker's output, line by line with its prefix, until it ends. */
    private static Thread pump(Process p, String prefix, PrintStream out) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.println(prefix + line);
                }
            } catch (IOException e) {
                out.println(prefix + "(output lost: " + e.getMessage() + ")");
            }
        }, "reproduce-" + prefix.trim());
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** java, this JVM's options (a debugger's or a flight recording's left out: they would clash), classpath, main class. */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-XX:StartFlightRecording") && !a.startsWith("-XX:FlightRecorderOptions")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(FreshJvmLauncher.classpath());
        cmd.add(Main.class.getName());
        return cmd;
    }
}
