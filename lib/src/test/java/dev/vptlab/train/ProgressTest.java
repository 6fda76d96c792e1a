package dev.vptlab.train;

import dev.vptlab.task.EvalResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static EpochMetrics metrics(int epoch, boolean withTest) {
        EvalResult val = new EvalResult("val", 200, 0.7, 81.5, 95.0, Double.NaN);
        EvalResult test = withTest ? new EvalResult("test", 1000, 0.8, 84.125, 96.8, Double.NaN) : null;
        return new EpochMetrics(epoch, 1e-3, 0.4321, 87.5, 12.3, 312, val, test);
    }

    private static void runEpochs(Progress p, int epochs) {
        for (int e = 0; e < epochs; e++) {
            p.startEpoch(e, epochs, 5);
            for (int s = 1; s <= 5; s++) {
                p.step(s, 0.5, 80, 300);
            }
            p.endEpoch(metrics(e, true));
        }
        p.message("done");
    }

    @Test
    void aSegmentationPeriodShowsMiouAndAaccNotNaNTopOne() {
        Progress p = new Progress(Progress.Mode.LINE, out);
        p.startEpoch(0, 2, 4);
        p.endEpoch(new EpochMetrics(0, 1e-2, 1.25, 40, 3.0, 5, null, EvalResult.segmentation("test", 16, 37.25, 81.5)));
        assertTrue(text().contains("test mIoU 37.25 (aAcc 81.50)"), text());
        assertFalse(text().contains("NaN"), text());
    }

    @Test
    void quietPrintsNothing() {
        runEpochs(new Progress(Progress.Mode.QUIET, out), 3);
        assertEquals("", text());
    }

    @Test
    void linePrintsOneLinePerEpochWithTestTop1() {
        Progress p = new Progress(Progress.Mode.LINE, out);
        runEpochs(p, 3);
        String[] lines = text().split("\n");
        assertEquals(4, lines.length, text()); // 3 epochs + the message
        for (int e = 0; e < 3; e++) {
            assertTrue(lines[e].startsWith("epoch " + (e + 1) + "/3"), lines[e]);
            assertTrue(lines[e].contains("test 84.13"), lines[e]);
            assertTrue(lines[e].contains("val 81.50"), lines[e]);
        }
        assertEquals("done", lines[3]);
        assertTrue(!text().contains("\r"));
    }

    @Test
    void lineOmitsSplitsNotEvaluated() {
        Progress p = new Progress(Progress.Mode.LINE, out);
        p.startEpoch(0, 10, 1);
        p.endEpoch(metrics(0, false));
        assertTrue(!text().contains("test"), text());
    }

    @Test
    void barIsThrottledButAlwaysDrawsTheFinalStep() {
        AtomicLong clock = new AtomicLong();
        Progress p = new Progress(Progress.Mode.BAR, out, clock::get);
        p.startEpoch(0, 2, 1000);
        for (int s = 1; s <= 1000; s++) {
            clock.addAndGet(1_000_000L); // 1 ms per step: 1 s in all
            p.step(s, 0.5, 80, 300);
        }
        String bar = text();
        long redraws = bar.chars().filter(c -> c == '\r').count();
        assertTrue(redraws >= 10 && redraws <= 12, "redraws: " + redraws);
        assertTrue(bar.contains("1000/1000"), bar);
        assertTrue(bar.contains("epoch 1/2"), bar);
        assertTrue(bar.contains("ETA 0:00"), bar);
        p.endEpoch(metrics(0, true));
        String all = text();
        assertTrue(all.endsWith("\n"));
        String lastLine = all.substring(all.lastIndexOf('\r') + 1);
        assertTrue(lastLine.startsWith("epoch 1/2") && lastLine.contains("test 84.13"), lastLine);
    }
}
