package dev.vptlab.train;

import dev.vptlab.task.EvalResult;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Training progress for people: a live bar in a terminal, one line per epoch in notebooks and log files (where
 * carriage returns pile up), or nothing. It only displays; the run record is what gets kept.
 *
 * <p>Call order per epoch: {@link #startEpoch}, {@link #step} after each optimiser step, {@link #endEpoch}.
 * {@link #message} may come at any time. Not thread-safe: call it from the training loop's thread.
 */
public final class Progress {
    /** How progress is shown. */
    public enum Mode {
        /** One bar per epoch, rewritten in place with '\r' at most ~10 times a second; a summary line at the end. */
        BAR,
        /** Only the summary line, once per epoch. */
        LINE,
        /** Nothing at all. */
        QUIET
    }

    /** Minimum time between two bar redraws (10 per second), so that printing never slows a fast loop. */
    static final long MIN_REDRAW_NANOS = 100_000_000L;
    private static final int BAR_WIDTH = 20;

    private final Mode mode;
    private final PrintStream out;
    private final LongSupplier nanoClock;

    private int epoch = -1;
    private int epochs;
    private int steps;
    private long epochStartNanos;
    private long lastDrawNanos;
    private boolean barOpen;
    private int barWidth;

    public Progress(Mode mode, PrintStream out) {
        this(mode, out, System::nanoTime);
    }

    /** With an injectable clock, for tests of the throttle. */
    Progress(Mode mode, PrintStream out, LongSupplier nanoClock) {
        this.mode = mode;
        this.out = out;
        this.nanoClock = nanoClock;
    }

    public Mode mode() {
        return mode;
    }

    /**
     * An epoch begins.
     *
     * @param epoch 0-based index (shown 1-based)
     * @param epochs total number of epochs
     * @param steps optimiser steps in this epoch, or 0 if unknown (then no ETA)
     */
    public void startEpoch(int epoch, int epochs, int steps) {
        this.epoch = epoch;
        this.epochs = epochs;
        this.steps = steps;
        this.epochStartNanos = nanoClock.getAsLong();
        this.barOpen = false;
        this.barWidth = 0;
    }

    /**
     * A step finished. Redraws the bar (BAR mode only) unless the last redraw is under 0.1 s old; the final step
     * ({@code step >= steps}) is always drawn.
     *
     * @param step number of steps done in this epoch, 1-based
     * @param loss the latest (or running mean) training loss
     * @param runningTop1 training top-1 so far this epoch, percent
     * @param imagesPerSecond current throughput
     */
    public void step(int step, double loss, double runningTop1, double imagesPerSecond) {
        if (mode != Mode.BAR) {
            return;
        }
        long now = nanoClock.getAsLong();
        boolean last = steps > 0 && step >= steps;
        if (barOpen && !last && now - lastDrawNanos < MIN_REDRAW_NANOS) {
            return;
        }
        lastDrawNanos = now;
        StringBuilder sb = new StringBuilder();
        sb.append(epochLabel(epoch)).append(' ');
        if (steps > 0) {
            int filled = (int) Math.min(BAR_WIDTH, (long) BAR_WIDTH * Math.max(step, 0) / steps);
            sb.append('[').append("=".repeat(filled)).append(" ".repeat(BAR_WIDTH - filled)).append("] ");
            sb.append(step).append('/').append(steps);
        } else {
            sb.append("step ").append(step);
        }
        sb.append(String.format(Locale.ROOT, "  loss %.4f  top1 %.2f  %.0f img/s", loss, runningTop1,
                imagesPerSecond));
        if (steps > 0 && step > 0) {
            double elapsed = (now - epochStartNanos) / 1e9;
            double remaining = elapsed / step * Math.max(0, steps - step);
            sb.append("  ETA ").append(duration(remaining));
        }
        draw(sb.toString());
    }

    /** The epoch ended: one summary line with the train figures and val/test where they were evaluated. */
    public void endEpoch(EpochMetrics m) {
        if (mode == Mode.QUIET) {
            return;
        }
        String line = summary(m);
        if (barOpen) {
            out.print('\r' + pad(line) + '\n');
            barOpen = false;
            barWidth = 0;
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** A line of text between progress output (e.g. "checkpoint saved"); it does not break a live bar. */
    public void message(String text) {
        if (mode == Mode.QUIET) {
            return;
        }
        if (barOpen) {
            out.print('\r' + pad(text) + '\n');
            barOpen = false; // the next step redraws the bar below the message
            barWidth = 0;
        } else {
            out.println(text);
        }
        out.flush();
    }

    /** E.g. {@code epoch 3/100  lr 1.000e-03  loss 0.4321  train 87.50  val 85.00 (top5 97.50)  test ...  12.3 s}. */
    String summary(EpochMetrics m) {
        StringBuilder sb = new StringBuilder(epochLabel(m.epoch()));
        sb.append(String.format(Locale.ROOT, "  lr %.3e  loss %.4f  train %.2f", m.lr(), m.trainLoss(),
                m.trainTop1()));
        appendEval(sb, "val", m.val());
        appendEval(sb, "test", m.test());
        sb.append(String.format(Locale.ROOT, "  %.1f s  %.0f img/s", m.seconds(), m.imagesPerSecond()));
        return sb.toString();
    }

    private static void appendEval(StringBuilder sb, String label, EvalResult r) {
        if (r == null) {
            return;
        }
        if (r.isSegmentation()) {
            sb.append(String.format(Locale.ROOT, "  %s mIoU %.2f (aAcc %.2f)", label, r.miou(), r.aacc()));
            return;
        }
        sb.append(String.format(Locale.ROOT, "  %s %.2f (top5 %.2f", label, r.top1(), r.top5()));
        if (!Double.isNaN(r.auc())) {
            sb.append(String.format(Locale.ROOT, ", auc %.2f", r.auc()));
        }
        sb.append(')');
    }

    private String epochLabel(int e) {
        // the total is known only for the epoch announced by startEpoch
        return e == epoch && epochs > 0 ? "epoch " + (e + 1) + "/" + epochs : "epoch " + (e + 1);
    }

    private void draw(String line) {
        out.print('\r' + pad(line));
        out.flush();
        barOpen = true;
        barWidth = Math.max(barWidth, line.length());
    }

    /** Pads with spaces to the widest bar drawn this epoch, so that no leftover characters remain. */
    private String pad(String line) {
        return barOpen && line.length() < barWidth ? line + " ".repeat(barWidth - line.length()) : line;
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
                : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }
}
