package dev.vptlab.plan;

import dev.vptlab.VptlabException;
import dev.vptlab.train.RunFolder;
import dev.vptlab.train.RunLock;
import dev.vptlab.train.RunRecord;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where one run of a plan stands, read from its folder alone (so it is right whoever ran it: this machine, a
 * Slurm array task, a requeued one).
 *
 * @param state {@link #MISSING}, {@link #UNREADABLE} or a {@link RunRecord} status; a record saying running whose
 *     folder nobody locks is {@link RunRecord#STOPPED} (its process died; a resume continues it)
 * @param record the run's record, null when missing or unreadable
 * @param note why a run failed or could not be read; empty otherwise
 */
public record EntryState(String state, RunRecord record, String note) {
    public static final String MISSING = "missing";
    public static final String UNREADABLE = "unreadable";

    public static EntryState of(Path runDir) {
        if (!Files.isRegularFile(runDir.resolve(RunFolder.RECORD_FILE))) {
            return new EntryState(MISSING, null, "");
        }
        RunRecord r;
        try {
            r = RunRecord.read(runDir);
        } catch (VptlabException e) {
            return new EntryState(UNREADABLE, null, e.getMessage());
        }
        boolean died = RunRecord.RUNNING.equals(r.status()) && !RunLock.isHeld(runDir);
        return new EntryState(died ? RunRecord.STOPPED : r.status(), r, r.failure() == null ? "" : r.failure());
    }

    public boolean finished() {
        return RunRecord.FINISHED.equals(state);
    }
}
