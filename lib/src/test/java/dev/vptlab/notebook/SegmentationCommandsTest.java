package dev.vptlab.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vptlab.VptlabException;
import dev.vptlab.plan.Reproductions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paper profile of notebooks 04 and 08 prints the plans' ADE20K runs, each into its own folder. */
class SegmentationCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void theCommandsAreThePlansRuns() {
        Lab lab = Lab.setup(Lab.Profile.of("paper"), tmp.resolve("results"), tmp.resolve("data"), tmp.resolve("ckpt"));
        for (String study : Reproductions.SEGMENTATION) {
            List<Reproductions.Draft> drafts = Reproductions.expand(study, Reproductions.defaultBackbones(study),
                    Reproductions.defaultTasks(study), lab.checkpoints(), lab.data());
            List<String> commands = Segmentation.commands(lab, study);
            assertEquals(drafts.size(), commands.size(), study);
            for (int i = 0; i < drafts.size(); i++) {
                String c = commands.get(i);
                assertTrue(c.startsWith("./vptlab train " + String.join(" ", drafts.get(i).args())), c);
                assertTrue(c.endsWith("--out " + lab.results().resolve("runs").resolve(study).resolve(drafts.get(i).key())), c);
            }
        }
        assertEquals(6, Segmentation.commands(lab, "gated-ade20k").size());
        assertTrue(Segmentation.commands(lab, "cvpt-ade20k").get(0).contains("--taps 9,14,19,23"));
        assertThrows(VptlabException.class, () -> Segmentation.commands(lab, "gated-vtab"));
    }
}
