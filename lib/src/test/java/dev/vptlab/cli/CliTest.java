package dev.vptlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.testutil.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CliTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @ParameterizedTest
    @CsvSource({"vit_timm.safetensors, timm", "vit_mae.pth, mae", "vit_moco_pretrain.pth.tar, mocov3-pretrain",
        "vit_moco_linear.pth.tar, mocov3-linear", "vit_google.npz, google-npz"})
    void inspectReportsSourceAndArchitecture(String file, String source) {
        Result r = run("checkpoint", "inspect", Fixtures.vit(file).toString(), "--heads", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("source:        " + source), r.out());
        assertTrue(r.out().contains("D=24, depth 12, heads 3, patch 8, image 32, MLP 96"), r.out());
        assertTrue(r.out().contains("150 tensors, 91,800 parameters, strict check ok"), r.out());
    }

    @ParameterizedTest
    @CsvSource({"evil_os_system.pth, posix.system", "evil_eval.pth, builtins.eval", "evil_os_literal.pth, os.system"})
    void inspectRefusesForbiddenGlobalsByName(String file, String global) {
        Result r = run("checkpoint", "inspect", Fixtures.root().resolve("pickle").resolve(file).toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("vptlab: ") && r.err().contains("'" + global + "'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void featuresShowTheEmbeddedMocoTrunkSharingMoreThanItSpreads(@TempDir Path tmp) {
        // README "Honest findings": the MoCo v3 trunk's pooled features barely differ between images, MAE's do
        double[] ratio = new double[2];
        String[] names = {"mae", "mocov3"};
        for (int i = 0; i < 2; i++) {
            Path trunk = dev.vptlab.reproduce.EmbeddedBackbones.extract(names[i], tmp, false, m -> {});
            Result r = run("checkpoint", "features", trunk.toString(), "--pooling", "MEAN_PATCHES", "--images", "400");
            assertEquals(0, r.code(), r.err());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("shared / variance ([0-9.]+)").matcher(r.out());
            assertTrue(m.find(), r.out());
            ratio[i] = Double.parseDouble(m.group(1));
        }
        assertTrue(ratio[0] < 5 && ratio[1] > 10, "mae " + ratio[0] + ", mocov3 " + ratio[1]);
    }

    @Test
    void missingBlockFailsListingTheKeys() {
        Result r = run("checkpoint", "inspect", Fixtures.vit("vit_mae_missing_block5.pth").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("12 missing key(s): blocks.5.norm1.weight"), r.err());
    }

    @Test
    void convertWritesTimmSafetensorsThatLoadAgain(@TempDir Path tmp) {
        Path out = tmp.resolve("g.safetensors");
        assertEquals(0, run("checkpoint", "convert", Fixtures.vit("vit_google.npz").toString(), out.toString(), "--heads", "3").code());
        Result r = run("checkpoint", "inspect", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("heads 3"), "head count recorded in metadata: " + r.out());
    }

    @Test
    void modelSummaryCountsForVitB() {
        Result r = run("model", "summary", "--arch", "vit_b16", "--method", "cvpt", "--prompts", "10", "--classes", "100");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("prompts                        92,160"), r.out());
        assertTrue(r.out().contains("head                           76,900"), r.out());
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, run("checkpoint", "inspect").code());
        assertEquals(1, run("model", "summary", "--arch", "vit_x", "--method", "cvpt", "--prompts", "1", "--classes", "2").code());
    }

    @Test
    void allowChangedGoesWithResumeAndNamesScheduleFieldsOnly(@TempDir Path tmp) {
        Path out = tmp.resolve("r");
        String[] train = {"train", "--task", "synthetic", "--backbone", Fixtures.vit("vit_timm.safetensors").toString(), "--heads",
                "3", "--epochs", "1", "--out", out.toString(), "--progress", "QUIET"};
        Result fresh = run(concat(train, "--allow-changed", "lr"));
        assertEquals(1, fresh.code());
        assertTrue(fresh.err().contains("--allow-changed applies to --resume only"), fresh.err());
        Result notSchedule = run(concat(train, "--resume", "--allow-changed", "lr,batch_size"));
        assertEquals(1, notSchedule.code());
        assertTrue(notSchedule.err().contains("--allow-changed batch_size: a resume may change only lr, schedule, warmup_epochs"),
                notSchedule.err());
        assertTrue(!out.toFile().exists(), "refused before the folder is touched");
    }

    @Test
    void evalWithoutARunFolderReadsTheMethodFromTheTrainedFile(@TempDir Path tmp) throws Exception {
        String backbone = Fixtures.vit("vit_timm.safetensors").toString();
        Path out = tmp.resolve("r");
        Result train = run("train", "--task", "synthetic", "--backbone", backbone, "--heads", "3", "--epochs", "1",
                "--prompts", "2", "--out", out.toString(), "--progress", "QUIET");
        assertEquals(0, train.code(), train.err());
        Result byRun = run("eval", "--run", out.toString(), "--save-logits", tmp.resolve("run.csv").toString());
        assertEquals(0, byRun.code(), byRun.err());
        Result byFile = run("eval", "--backbone", backbone, "--heads", "3", "--task", "synthetic", "--trainable",
                out.resolve("trainable.safetensors").toString(), "--save-logits", tmp.resolve("file.csv").toString());
        assertEquals(0, byFile.code(), byFile.err());
        assertEquals(byRun.out().lines().findFirst().orElseThrow().replaceFirst("^\\S+ ", ""),
                byFile.out().lines().findFirst().orElseThrow().replaceFirst("^\\S+ ", ""));
        assertEquals(java.nio.file.Files.readString(tmp.resolve("run.csv")), java.nio.file.Files.readString(tmp.resolve("file.csv")));

        // Gated PT's whole-model last_model.pth: 3 prompts, 5 classes, gates and temperatures, read from its shapes.
        Result official = run("eval", "--backbone", backbone, "--heads", "3", "--task", "synthetic", "--trainable",
                Fixtures.official("gated_last_model.pth").toString(), "--split", "val");
        assertEquals(0, official.code(), official.err());
        assertTrue(official.out().startsWith("gated_last_model.pth val: n=64 top-1 "), official.out());

        // CVPT's and VPT-deep's whole-model files: the method is read from the names (Prompt_Tokens, deep prompts).
        for (String file : new String[] {"cvpt_model.pth", "vpt_deep_model.pth"}) {
            Result r = run("eval", "--backbone", backbone, "--heads", "3", "--task", "synthetic", "--trainable",
                    Fixtures.official(file).toString(), "--split", "val");
            assertEquals(0, r.code(), file + ": " + r.err());
            assertTrue(r.out().startsWith(file + " val: n=64 top-1 "), r.out());
        }
        Result shallowAsDeep = run("eval", "--backbone", backbone, "--heads", "3", "--task", "synthetic", "--trainable",
                Fixtures.official("vpt_deep_model.pth").toString(), "--method", "vpt-shallow");
        assertEquals(1, shallowAsDeep.code());
        assertTrue(shallowAsDeep.err().contains("unknown key(s) [enc.deep_prompt_embeddings]"), shallowAsDeep.err());

        Result neither = run("eval", "--task", "synthetic");
        assertEquals(1, neither.code());
        assertTrue(neither.err().contains("either --run FOLDER or --trainable FILE"), neither.err());
    }

    @ParameterizedTest
    @CsvSource({"mae, MEAN_PROMPTS_AND_PATCHES", "mocov3, MEAN_PROMPTS_AND_PATCHES", "supervised, CLS"})
    void anEmbeddedTrunkPassedAsAFileIsPooledAsItsManifestSays(String name, String pooling, @TempDir Path tmp) throws Exception {
        Path extracted = dev.vptlab.reproduce.EmbeddedBackbones.extract(name, tmp, false, n -> {});
        Path renamed = java.nio.file.Files.copy(extracted, tmp.resolve("my-trunk.bin")); // found by content, not by name
        assertEquals(pooling, config("--task", "synthetic", "--backbone", renamed.toString()).pooling().name());
        assertEquals("CLS", config("--task", "synthetic", "--backbone", renamed.toString(), "--pooling", "CLS").pooling().name(),
                "an explicit --pooling wins");
        byte[] b = java.nio.file.Files.readAllBytes(renamed);
        b[b.length - 1] ^= 1;
        Path changed = java.nio.file.Files.write(tmp.resolve("changed.safetensors"), b);
        assertEquals(null, dev.vptlab.reproduce.EmbeddedBackbones.identify(changed), "one changed byte is another trunk");
    }

    private static dev.vptlab.train.RunConfig config(String... args) {
        TrainOptions o = new TrainOptions();
        new picocli.CommandLine(o).parseArgs(args);
        return o.config();
    }

    @Test
    void aClassFolderTaskAndAFileListFolderTrainEndToEnd(@TempDir Path tmp) throws Exception {
        Path classes = tmp.resolve("pets");
        Path lists = tmp.resolve("lists");
        java.util.Map<Path, java.util.List<String>> listed = new java.util.LinkedHashMap<>();
        java.util.Random r = new java.util.Random(0);
        for (String split : new String[] {"train", "val", "test"}) {
            for (String c : new String[] {"cat", "dog"}) {
                for (int i = 0; i < 4; i++) {
                    png(classes.resolve(split + "/" + c + "/" + i + ".png"), r);
                    png(lists.resolve("images/" + split + "_" + c + i + ".png"), r);
                    listed.computeIfAbsent(lists.resolve(split + ".txt"), k -> new java.util.ArrayList<>())
                            .add("images/" + split + "_" + c + i + ".png " + (c.equals("cat") ? 0 : 1));
                }
            }
        }
        for (var e : listed.entrySet()) {
            java.nio.file.Files.write(e.getKey(), e.getValue());
        }
        for (Path task : new Path[] {classes, lists}) {
            Path out = tmp.resolve("run-" + task.getFileName());
            Result train = run("train", "--task", task.toString(), "--backbone", Fixtures.vit("vit_timm.safetensors").toString(),
                    "--heads", "3", "--epochs", "2", "--batch-size", "4", "--out", out.toString(), "--progress", "QUIET");
            assertEquals(0, train.code(), train.err());
            assertTrue(train.out().contains(": finished after 2 epochs"), train.out());
            Path csv = tmp.resolve(task.getFileName() + ".csv");
            Result eval = run("eval", "--run", out.toString(), "--save-logits", csv.toString());
            assertEquals(0, eval.code(), eval.err());
            assertTrue(eval.out().contains("test: n=8 "), eval.out());
            java.util.List<String> rows = java.nio.file.Files.readAllLines(csv);
            assertEquals("path,label,logit_0,logit_1", rows.get(0), "two classes counted from the data");
            assertTrue(rows.get(1).startsWith(task == classes ? "test/cat/0.png,0," : "images/test_cat0.png,0,"), rows.get(1));
        }
    }

    private static void png(Path file, java.util.Random r) throws java.io.IOException {
        java.nio.file.Files.createDirectories(file.getParent());
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(12, 10, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 12; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        javax.imageio.ImageIO.write(img, "png", file.toFile());
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void thePrefixOnlyBoundOfTheSweepIsTheReadmesArithmetic() {
        // Many epochs make the one-off prefix pass negligible: 234/300 for training alone, 78/144 for evaluation alone.
        assertEquals(234.0 / 300, BenchCommand.prefixOnlyRatio(12, 1, 0, 1_000_000, 2), 1e-5);
        assertEquals(78.0 / 144, BenchCommand.prefixOnlyRatio(12, 0, 1, 1_000_000, 2), 1e-5);
        // However the work is split, a prefix cache cannot reach half: (L + 1) / 2L is its floor.
        for (long eval : new long[] {0, 200, 2_000, 70_000}) {
            assertTrue(BenchCommand.prefixOnlyRatio(12, 800, eval, 100, 1) > 13.0 / 24, "eval " + eval);
        }
        assertEquals(2, run("bench", "--sweep", "--split-sizes", "8,8").code());
    }

    @Test
    void benchPrintsItsRowAndAppendsItToTheCsv(@TempDir Path tmp) throws Exception {
        Path csv = tmp.resolve("bench.csv");
        String header = "arch,method,prompts,insert_block,batch,image,device,train_img_s,eval_img_s,peak_rss_mib,device_mem_mib";
        String row = "vit_tiny12_fmnist,vpt-shallow,3,2,2,16,cpu,[0-9]+\\.[0-9],[0-9]+\\.[0-9],[0-9]+,";
        for (int i = 1; i <= 2; i++) {
            Result r = run("bench", "--arch", "vit_tiny12_fmnist", "--method", "vpt-shallow", "--prompts", "3", "--insert-block", "2",
                    "--image", "16", "--batch", "2", "--classes", "4", "--warmup", "0", "--steps", "1", "--csv", csv.toString());
            assertEquals(0, r.code(), r.err());
            java.util.List<String> out = r.out().lines().toList();
            assertEquals(2, out.size(), r.out());
            assertEquals(header, out.get(0));
            assertTrue(out.get(1).matches(row), out.get(1));
            java.util.List<String> file = java.nio.file.Files.readAllLines(csv);
            assertEquals(1 + i, file.size(), "one header, then one row per run: " + file);
            assertEquals(header, file.get(0));
            assertEquals(out.get(1), file.get(i));
        }
        Result bad = run("bench", "--arch", "vit_tiny12_fmnist", "--method", "nope");
        assertEquals(1, bad.code());
        assertTrue(bad.err().startsWith("vptlab: unknown method 'nope'"), bad.err());
    }

    @Test
    void skipCorruptFlagReachesTheLoaderAndTheSummaryListsWhatWasSkipped() {
        TrainCommand t = new TrainCommand();
        new picocli.CommandLine(t).parseArgs("--task", "dtd", "--backbone", "b.pth", "--out", "o", "--skip-corrupt");
        assertTrue(t.options.loadOptions().skipCorrupt());
        TrainCommand strict = new TrainCommand();
        new picocli.CommandLine(strict).parseArgs("--task", "dtd", "--backbone", "b.pth", "--out", "o");
        assertFalse(strict.options.loadOptions().skipCorrupt());
        java.util.List<String> skipped = java.util.stream.IntStream.range(0, 7).mapToObj(i -> "test.txt:" + i + ": x" + i + ".jpg: bad").toList();
        dev.vptlab.train.RunRecord r = new dev.vptlab.train.RunRecord("run", "finished", null, java.util.Map.of(), null, null, 1,
                java.util.Map.of(), "cpu", 1, 2, "2025-01-01T10:00:00Z", null, 1.0, java.util.List.of(), skipped);
        String s = TrainCommand.summary(r);
        assertTrue(s.contains("; 7 corrupt image(s) skipped (first 5; all in record.json):\n  test.txt:0: x0.jpg: bad"), s);
        assertTrue(s.contains("x4.jpg") && !s.contains("x5.jpg"), s);
        assertFalse(TrainCommand.summary(new dev.vptlab.train.RunRecord("run", "finished", null, java.util.Map.of(), null, null, 1,
                java.util.Map.of(), "cpu", 1, 2, "2025-01-01T10:00:00Z", null, 1.0, java.util.List.of(), java.util.List.of()))
                .contains("skipped"));
    }
}
