package dev.vptlab.train;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.ToNumberPolicy;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import dev.vptlab.VptlabException;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The content of a run folder's {@code record.json}: what was run, on what, and what every epoch produced. The
 * epochs are the single source of truth; the headline figures are derived from them on demand (and written
 * into the JSON only as a convenience for {@code jq}/pandas readers, ignored on reading).
 *
 * <p>JSON: snake_case keys in component order, pretty-printed, {@code null} written explicitly, config keys
 * sorted, non-finite doubles written as {@code null} and read back as NaN (so an infinite loss reads back as
 * NaN). Integral config numbers are held as {@link Long} and fractional ones as {@link Double}, which is what a
 * round trip through JSON yields, so {@code read(write(r)).equals(r)}.
 *
 * @param runId unique name of the run
 * @param status one of {@link #RUNNING}, {@link #FINISHED}, {@link #FAILED}, {@link #STOPPED}
 * @param failure what went wrong, for a failed run; otherwise usually null
 * @param config the full configuration, flat or nested (canonicalised: see above); after a resume that changed
 *     fields on purpose, the config the run continued with
 * @param backboneSha256 SHA-256 of the backbone file the run was trained on (null in records of older versions),
 *     checked on resume so that a different file at the same path is refused
 * @param configChanges the fields resumes changed on purpose, oldest first (empty for most runs)
 * @param seed the run's root seed
 * @param versions component versions, e.g. vptlab, djl, pytorch, java
 * @param device e.g. "gpu(0) NVIDIA H100" or "cpu()"
 * @param trainableParameters number of trainable scalars (the papers' "tuned params")
 * @param totalParameters number of scalars in the whole model
 * @param startedAt ISO-8601 date-time
 * @param finishedAt ISO-8601 date-time, or null while running
 * @param wallSeconds wall time spent on the run so far
 * @param epochs one entry per completed epoch, in increasing epoch order
 * @param skippedImages images left out of the splits as unreadable ({@code --skip-corrupt}), each naming the
 *     split file, line, image and problem; empty otherwise (and in records written before this field)
 *
 * <p>Long because the record's JSON form is written and read here, field by field with its checks, so that the
 * two directions cannot drift apart.
 */
public record RunRecord(String runId, String status, String failure, Map<String, Object> config,
        String backboneSha256, List<ConfigChange> configChanges, long seed,
        Map<String, String> versions, String device, long trainableParameters, long totalParameters,
        String startedAt, String finishedAt, double wallSeconds, List<EpochMetrics> epochs, List<String> skippedImages) {

    public static final String RUNNING = "running";
    public static final String FINISHED = "finished";
    public static final String FAILED = "failed";
    public static final String STOPPED = "stopped";
    /** The statuses a record may carry. */
    public static final Set<String> STATUSES = Set.of(RUNNING, FINISHED, FAILED, STOPPED);

    /** Written as the first key so that later layouts can be told apart. */
    static final String FORMAT = "vptlab-run-record/1";

    /** The evaluation keys only segmentation runs write ({@link EvalResult#miou()}, {@link EvalResult#aacc()}). */
    private static final String[] SEGMENTATION_KEYS = {"miou", "aacc"};

    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeNulls()
            .disableHtmlEscaping()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
            .registerTypeAdapter(double.class, new NonFiniteAsNull())
            .registerTypeAdapter(Double.class, new NonFiniteAsNull())
            .create();

    public RunRecord {
        if (runId == null || runId.isBlank()) {
            throw new VptlabException("a run record needs a non-empty run_id");
        }
        if (!STATUSES.contains(status)) {
            throw new VptlabException("run '" + runId + "': unknown status '" + status + "'; expected one of "
                    + String.join(", ", new java.util.TreeSet<>(STATUSES)));
        }
        checkTime(runId, "started_at", startedAt);
        checkTime(runId, "finished_at", finishedAt);
        config = canonicalMap(config == null ? Map.of() : config);
        configChanges = List.copyOf(configChanges == null ? List.of() : configChanges);
        versions = Collections.unmodifiableMap(new TreeMap<>(versions == null ? Map.of() : versions));
        epochs = List.copyOf(epochs == null ? List.of() : epochs);
        skippedImages = List.copyOf(skippedImages == null ? List.of() : skippedImages);
        for (int i = 1; i < epochs.size(); i++) {
            if (epochs.get(i).epoch() <= epochs.get(i - 1).epoch()) {
                throw new VptlabException("run '" + runId + "': epochs out of order (" + epochs.get(i - 1).epoch()
                        + " then " + epochs.get(i).epoch() + ")");
            }
        }
    }

    /** A fresh record for a run that starts now: status running, no epochs yet. */
    public static RunRecord start(String runId, Map<String, Object> config, long seed, Map<String, String> versions,
            String device, long trainableParameters, long totalParameters) {
        return new RunRecord(runId, RUNNING, null, config, null, List.of(), seed, versions, device, trainableParameters,
                totalParameters, Instant.now().toString(), null, 0, List.of(), List.of());
    }

    /** This record with {@code epoch} appended and the wall time updated. */
    public RunRecord withEpoch(EpochMetrics epoch, double wallSeconds) {
        List<EpochMetrics> more = new ArrayList<>(epochs);
        more.add(epoch);
        return new RunRecord(runId, status, failure, config, backboneSha256, configChanges, seed, versions, device,
                trainableParameters, totalParameters, startedAt, finishedAt, wallSeconds, more, skippedImages);
    }

    /** This record closed with {@code status} (finished, failed or stopped) at the current instant. */
    public RunRecord ended(String status, String failure, double wallSeconds) {
        return new RunRecord(runId, status, failure, config, backboneSha256, configChanges, seed, versions, device,
                trainableParameters, totalParameters, startedAt, Instant.now().toString(), wallSeconds, epochs,
                skippedImages);
    }

    // ---------------------------------------------------------------- headline figures

    /**
     * The figures a report quotes, derived from {@link #epochs()}. Epoch fields are 0-based indices, or -1 when
     * no epoch qualifies (then the matching figure is NaN).
     *
     * @param lastTestEpoch the latest epoch with a test evaluation
     * @param lastTestTop1 its test top-1: our primary Gated PT number (the paper does not say which epoch it
     *     reports; VTAB's val200 is part of the training images) and the "last-epoch" figure we log beside
     *     CVPT's best
     * @param lastTestAuc its test ROC-AUC, NaN unless C = 2
     * @param bestValEpoch the earliest epoch reaching the highest val top-1
     * @param bestValTop1 that val top-1
     * @param testTop1AtBestVal the test top-1 of that epoch (Gated PT secondary number), NaN if it has no test
     * @param bestTestEpoch the earliest epoch reaching the highest test top-1
     * @param bestTestTop1 the best test top-1 over the periodic test evaluations (CVPT's faithful number,
     *     selected on test as the official {@code train.py} does)
     */
    public record Headline(int lastTestEpoch, double lastTestTop1, double lastTestAuc, int bestValEpoch,
            double bestValTop1, double testTop1AtBestVal, int bestTestEpoch, double bestTestTop1) {}

    /** Segmentation: the mIoU (percent) of the latest evaluation of the test split (NaN if none or not segmentation). */
    public double lastTestMiou() {
        for (int i = epochs.size() - 1; i >= 0; i--) {
            if (epochs.get(i).test() != null) {
                return epochs.get(i).test().miou();
            }
        }
        return Double.NaN;
    }

    /**
     * Segmentation: the mIoU (percent) of the latest evaluation of the validation split, for a run trained to choose
     * hyper-parameters ({@code eval_split val}); NaN if none or not segmentation.
     */
    public double lastValMiou() {
        for (int i = epochs.size() - 1; i >= 0; i--) {
            if (epochs.get(i).val() != null && epochs.get(i).val().isSegmentation()) {
                return epochs.get(i).val().miou();
            }
        }
        return Double.NaN;
    }

    /** All headline figures at once. */
    public Headline headline() {
        EpochMetrics lastTest = null;
        EpochMetrics bestVal = null;
        EpochMetrics bestTest = null;
        for (EpochMetrics e : epochs) {
            if (e.test() != null) {
                lastTest = e;
                // strict '>' keeps the earliest epoch on ties; NaN never compares greater
                if (!Double.isNaN(e.test().top1()) && (bestTest == null || e.test().top1() > bestTest.test().top1())) {
                    bestTest = e;
                }
            }
            if (e.val() != null && !Double.isNaN(e.val().top1())
                    && (bestVal == null || e.val().top1() > bestVal.val().top1())) {
                bestVal = e;
            }
        }
        double nan = Double.NaN;
        return new Headline(
                lastTest == null ? -1 : lastTest.epoch(),
                lastTest == null ? nan : lastTest.test().top1(),
                lastTest == null ? nan : lastTest.test().auc(),
                bestVal == null ? -1 : bestVal.epoch(),
                bestVal == null ? nan : bestVal.val().top1(),
                bestVal == null || bestVal.test() == null ? nan : bestVal.test().top1(),
                bestTest == null ? -1 : bestTest.epoch(),
                bestTest == null ? nan : bestTest.test().top1());
    }

    /**
     * Test top-1 of the latest epoch that evaluated test (NaN if none). The trainer always tests the final
     * epoch, so for a finished run this is the last-epoch figure; for a running one it is the latest so far.
     */
    public double lastTestTop1() {
        return headline().lastTestTop1();
    }

    /** Highest validation top-1 over all epochs (NaN if val was never evaluated). */
    public double bestValTop1() {
        return headline().bestValTop1();
    }

    /** Test top-1 at the best-val epoch, earliest on ties (our secondary Gated PT number). */
    public double testTop1AtBestVal() {
        return headline().testTop1AtBestVal();
    }

    /** Best test top-1 over the epochs where test was evaluated (CVPT's protocol, official {@code train.py}). */
    public double bestTestTop1() {
        return headline().bestTestTop1();
    }

    /** Test ROC-AUC at the latest tested epoch; NaN when C != 2 or never tested. */
    public double lastTestAuc() {
        return headline().lastTestAuc();
    }

    // ---------------------------------------------------------------- JSON

    /** The pretty-printed JSON written to {@code record.json} (ends with a newline). */
    public String toJson() {
        JsonObject out = new JsonObject();
        out.addProperty("format", FORMAT);
        for (Map.Entry<String, JsonElement> e : GSON.toJsonTree(this).getAsJsonObject().entrySet()) {
            out.add(e.getKey(), e.getValue());
        }
        // Segmentation figures only where a run has them, so classification records keep their layout.
        for (JsonElement e : out.getAsJsonArray("epochs")) {
            for (String split : new String[] {"val", "test"}) {
                JsonElement ev = e.getAsJsonObject().get(split);
                if (ev != null && ev.isJsonObject()) {
                    for (String k : SEGMENTATION_KEYS) {
                        if (ev.getAsJsonObject().get(k) != null && ev.getAsJsonObject().get(k).isJsonNull()) {
                            ev.getAsJsonObject().remove(k);
                        }
                    }
                }
            }
        }
        out.add("headline", GSON.toJsonTree(headline()));
        return GSON.toJson(out) + "\n";
    }

    /**
     * Parses {@link #toJson()} output. {@code source} names the file in error messages.
     *
     * @throws VptlabException naming {@code source} when the text is not a valid run record
     */
    public static RunRecord fromJson(String json, String source) {
        try {
            JsonElement tree = JsonParser.parseString(json);
            if (tree == null || !tree.isJsonObject()) {
                throw new VptlabException("expected a JSON object");
            }
            JsonObject obj = tree.getAsJsonObject();
            JsonElement format = obj.remove("format");
            if (format != null && !(format.isJsonPrimitive() && FORMAT.equals(format.getAsString()))) {
                throw new VptlabException("unsupported format " + format + " (this vptlab reads " + FORMAT + ")");
            }
            obj.remove("headline");
            JsonElement eps = obj.get("epochs");
            if (eps != null && eps.isJsonArray()) {
                for (JsonElement e : eps.getAsJsonArray()) {
                    for (String split : new String[] {"val", "test"}) {
                        JsonElement ev = e.isJsonObject() ? e.getAsJsonObject().get(split) : null;
                        if (ev != null && ev.isJsonObject()) {
                            for (String k : SEGMENTATION_KEYS) {
                                if (!ev.getAsJsonObject().has(k)) {
                                    ev.getAsJsonObject().add(k, com.google.gson.JsonNull.INSTANCE); // read back as NaN
                                }
                            }
                        }
                    }
                }
            }
            RunRecord r = GSON.fromJson(obj, RunRecord.class);
            if (r == null) {
                throw new VptlabException("empty record");
            }
            return r;
        } catch (RuntimeException e) {
            throw new VptlabException(source + ": malformed run record: " + describe(e), e);
        }
    }

    /**
     * Reads {@code runDir/record.json}.
     *
     * @throws VptlabException naming the file when it is missing, unreadable or malformed
     */
    public static RunRecord read(Path runDir) {
        Path file = runDir.resolve(RunFolder.RECORD_FILE);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new VptlabException(file + ": no run record here", e);
        } catch (IOException e) {
            throw new VptlabException(file + ": cannot read: " + e.getMessage(), e);
        }
        return fromJson(text, file.toString());
    }

    /** The most specific message in a cause chain (Gson wraps constructor failures). */
    private static String describe(Throwable e) {
        Throwable best = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof VptlabException) {
                return t.getMessage();
            }
            if (t.getMessage() != null) {
                best = t;
            }
        }
        return best.getMessage() != null ? best.getMessage() : best.getClass().getSimpleName();
    }

    private static void checkTime(String runId, String key, String value) {
        if (value == null) {
            return;
        }
        try {
            DateTimeFormatter.ISO_DATE_TIME.parse(value);
        } catch (DateTimeParseException e) {
            throw new VptlabException("run '" + runId + "': " + key + " '" + value + "' is not an ISO-8601 date-time");
        }
    }

    // ---------------------------------------------------------------- config canonical form

    private static Map<String, Object> canonicalMap(Map<?, ?> map) {
        TreeMap<String, Object> out = new TreeMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            out.put(String.valueOf(e.getKey()), canonical(e.getValue()));
        }
        return Collections.unmodifiableMap(out);
    }

    /** Maps a config value to what JSON round-trips to: Long, Double, Boolean, String, List, sorted Map, null. */
    private static Object canonical(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float f) {
            // via the shortest decimal, so 0.1f stays 0.1 rather than 0.10000000149011612
            return f.isNaN() || f.isInfinite() ? null : Double.valueOf(Float.toString(f));
        }
        if (v instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? null : d;
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 0x1p53 ? (Object) n.longValue() : (Object) d;
        }
        if (v instanceof Map<?, ?> m) {
            return canonicalMap(m);
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object o : c) {
                out.add(canonical(o));
            }
            return Collections.unmodifiableList(out);
        }
        if (v.getClass().isArray()) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < Array.getLength(v); i++) {
                out.add(canonical(Array.get(v, i)));
            }
            return Collections.unmodifiableList(out);
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        // Paths, schedules, ...: their text is what a reader of the record needs
        return v.toString();
    }

    /** Writes NaN and infinities as JSON null (standard JSON has no NaN) and reads null back as NaN. */
    private static final class NonFiniteAsNull extends TypeAdapter<Double> {
        @Override
        public void write(JsonWriter out, Double value) throws IOException {
            if (value == null || value.isNaN() || value.isInfinite()) {
                out.nullValue();
            } else {
                out.value(value.doubleValue());
            }
        }

        @Override
        public Double read(JsonReader in) throws IOException {
            if (in.peek() == JsonToken.NULL) {
                in.nextNull();
                return Double.NaN;
            }
            return in.nextDouble();
        }
    }
}
