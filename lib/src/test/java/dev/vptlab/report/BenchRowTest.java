package dev.vptlab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.VptlabException;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.MethodConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The format a bench row is printed in, read back from a child's stdout, and appended to a {@code --csv} file. */
class BenchRowTest {
    static final BenchRow CPU = new BenchRow("vit_b16", "cvpt", 10, 1, 32, 224, "cpu", 12.345, 40.04, 2047.5, Double.NaN);
    static final BenchRow GPU = new BenchRow("vit_b16", "vpt-shallow", 5, 3, 8, 384, "gpu0", 1.25, 2.0, 900.2, 1234.6);

    @Test
    void rowsAreFormattedAsBenchAlwaysPrintedThem() {
        assertEquals("arch,method,prompts,insert_block,batch,image,device,train_img_s,eval_img_s,peak_rss_mib,device_mem_mib",
                BenchRow.HEADER);
        assertEquals("vit_b16,cvpt,10,1,32,224,cpu,12.3,40.0,2048,", CPU.record());
        assertEquals("vit_b16,vpt-shallow,5,3,8,384,gpu0,1.3,2.0,900,1235", GPU.record());
    }

    @Test
    void theRowIsFoundInAChildsStdout() {
        Map<String, String> r = BenchRow.fromStdout("some log line\n" + BenchRow.HEADER + "\r\n" + GPU.record() + "\n");
        assertEquals("gpu0", r.get("device"));
        assertEquals("1235", r.get("device_mem_mib"));
        assertEquals(BenchRow.COLUMNS, List.copyOf(r.keySet()));
        assertEquals("", BenchRow.fromStdout(BenchRow.HEADER + "\n" + CPU.record()).get("device_mem_mib"));
        assertTrue(Double.isNaN(BenchRow.number("")));
        assertEquals(12.3, BenchRow.number("12.3"));
        assertThrows(VptlabException.class, () -> BenchRow.fromStdout("no header here\n"));
        assertThrows(VptlabException.class, () -> BenchRow.fromStdout(BenchRow.HEADER + "\na,b,c\n"), "too few cells");
        assertThrows(VptlabException.class, () -> BenchRow.fromStdout(BenchRow.HEADER + "\n"), "no row");
    }

    @Test
    void appendingStartsTheFileWithTheHeader(@TempDir Path tmp) throws Exception {
        Path csv = tmp.resolve("b.csv");
        BenchCsv.append(csv, CPU);
        BenchCsv.append(csv, GPU);
        assertEquals(BenchRow.HEADER + "\n" + CPU.record() + "\n" + GPU.record() + "\n", Files.readString(csv));
    }

    @Test
    void theChildGetsEveryOptionAndBuildsTheMethodsDefaults() {
        VitConfig c = VitConfig.VIT_TINY12_FMNIST.withImageSize(48);
        MethodConfig m = FreshJvmBench.methodConfig("vpt-shallow", 4, 2);
        assertEquals(dev.vptlab.prompt.VptShallow.Config.of(4).withInsertBlock(2), m);
        assertEquals(List.of("--arch", "vit_tiny12_fmnist", "--image", "48", "--method", "vpt-shallow", "--prompts", "4",
                "--insert-block", "2", "--batch", "16", "--classes", "10", "--warmup", "1", "--steps", "3"),
                FreshJvmBench.args(c, m, 16, 10, 1, 3));
        List<String> cmd = FreshJvmLauncher.command(c, m, Efficiency.Settings.defaults().withBatch(16).withClasses(10).withSteps(1, 3));
        int main = cmd.indexOf(FreshJvmBench.class.getName());
        assertTrue(main > 0, "the child runs the report's own main class: " + cmd);
        assertEquals(FreshJvmBench.args(c, m, 16, 10, 1, 3), cmd.subList(main + 1, cmd.size()));
        assertTrue(cmd.stream().noneMatch(a -> a.contains("dev.vptlab.cli")), "report does not name the CLI: " + cmd);
    }
}
