package dev.vptlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.plan.Reproductions;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The ablation reproductions expand into the runs of their tables, each a valid `train` command. */
class AblationPlansTest {
    private static List<Reproductions.Draft> expand(String name) {
        return Reproductions.expand(name, Reproductions.defaultBackbones(name), Reproductions.defaultTasks(name),
                Path.of("ckpt"), Path.of("data"));
    }

    @Test
    void gatedTable4ComparesVptShallowAndGatesAt100TokensOverTheLrGrid() {
        List<Reproductions.Draft> d = expand("gated-ablation-gates");
        assertEquals(2 * 2 * 7, d.size()); // CUB and Flowers, two methods, 7 learning rates
        assertEquals(4, d.stream().map(Reproductions.Draft::select).distinct().count());
        assertTrue(d.stream().allMatch(x -> String.join(" ", x.args()).contains("--prompts 100")));
        assertTrue(d.stream().allMatch(x -> x.args().contains("mae")));
    }

    @Test
    void gatedTable7SpreadsTheSameTotalOverTheBlocksForVptDeep() {
        List<Reproductions.Draft> d = expand("gated-fewer-tokens");
        assertEquals(5 * 3 * 2 * 7, d.size());
        String deep24 = d.stream().filter(x -> x.key().equals("mae-cub-vpt-deep-total24-lr0.1")).findFirst().orElseThrow()
                .args().stream().collect(Collectors.joining(" "));
        assertTrue(deep24.contains("--method vpt-deep --prompts 2"), deep24);
        String gated96 = d.stream().filter(x -> x.key().equals("mae-cub-gated-total96-lr0.1")).findFirst().orElseThrow()
                .args().stream().collect(Collectors.joining(" "));
        assertTrue(gated96.contains("--method gated --prompts 96"), gated96);
    }

    @Test
    void cvptAblationVariesPositionWeightsAndPromptsPerTask() {
        List<Reproductions.Draft> d = expand("cvpt-ablation");
        assertEquals(19 * (5 + 4 + 5), d.size());
        assertTrue(d.stream().anyMatch(x -> x.key().endsWith("-cvpt-random-frozen")));
    }

    /** Every ablation command is one `vptlab train` accepts (its options parse and apply to the method). */
    @Test
    void ablationCommandsAreValidTrainOptions() {
        for (String name : List.of("gated-ablation-gates", "gated-fewer-tokens", "cvpt-ablation")) {
            for (Reproductions.Draft x : expand(name)) {
                TrainOptions o = new TrainOptions();
                new picocli.CommandLine(o).parseArgs(x.args().toArray(String[]::new));
                MethodOptions m = o.method;
                dev.vptlab.prompt.MethodConfig base = dev.vptlab.prompt.MethodConfig.of(
                        m.method != null ? m.method : "gated", 4);
                MethodOptions.applySettings(base, m.given());
            }
        }
    }
}
