package dev.vptlab.plan;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;
import dev.vptlab.VptlabException;
import dev.vptlab.util.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * A reproduction expanded into its runs: what {@code vptlab plan} writes and {@code plan run/status/slurm}
 * read. The JSON is a pure function of the plan (no dates, no host names, fields in a fixed order), so the same
 * inputs give the same bytes.
 *
 * @param name the reproduction ({@link Reproductions#NAMES})
 * @param dataRoot where every run reads its data
 * @param assumedTflops the throughput behind the estimates ({@link GpuHours})
 * @param entries the runs, in the order they are run
 */
public record Plan(String name, String dataRoot, double assumedTflops, List<PlanEntry> entries) {
    public static final String FORMAT = "vptlab-plan/1";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create();

    public Plan {
        entries = List.copyOf(entries);
        var ids = new HashSet<String>();
        for (PlanEntry e : entries) {
            if (!ids.add(e.id())) {
                throw new VptlabException("plan '" + name + "' has two runs named " + e.id());
            }
        }
    }

    /** Sum of the entries' estimates. */
    public double estimatedGpuHours() {
        return entries.stream().mapToDouble(PlanEntry::estimatedGpuHours).sum();
    }

    /** The entry named {@code id}. */
    public PlanEntry entry(String id) {
        return entries.stream().filter(e -> e.id().equals(id)).findFirst()
                .orElseThrow(() -> new VptlabException("plan '" + name + "' has no run " + id));
    }

    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("name", name);
        o.addProperty("data_root", dataRoot);
        JsonObject est = new JsonObject();
        est.addProperty("note", entries.stream().anyMatch(PlanEntry::segmentation)
                ? "estimate: analytic FLOPs of the prompted trunk and the SETR-PUP heads at the crop (per training image"
                        + " 2 x trunk + 3 x heads, per evaluated window 1 forward) at an assumed sustained throughput; not measured"
                : "estimate: analytic forward FLOPs of ViT-B/16 x (3 per training image + 1 per evaluated image)"
                        + " at an assumed sustained throughput; not measured");
        est.addProperty("assumed_tflops", assumedTflops);
        est.addProperty("gpu_hours_total", round(estimatedGpuHours()));
        o.add("estimate", est);
        JsonArray runs = new JsonArray();
        for (int i = 0; i < entries.size(); i++) {
            PlanEntry e = entries.get(i);
            JsonObject r = new JsonObject();
            r.addProperty("index", i);
            r.addProperty("id", e.id());
            r.addProperty("select", e.select());
            r.addProperty("folder", e.folder());
            r.addProperty("command", e.command());
            r.add("args", GSON.toJsonTree(e.args()));
            r.add("config", GSON.toJsonTree(e.config()));
            r.addProperty("estimate_gpu_hours", round(e.estimatedGpuHours()));
            runs.add(r);
        }
        o.add("runs", runs);
        return GSON.toJson(o) + "\n";
    }

    /** Writes {@link #toJson()} atomically. */
    public void write(Path file) {
        AtomicFiles.writeString(file, toJson());
    }

    public static Plan read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VptlabException(file + ": cannot read plan: " + e.getMessage(), e);
        }
        try {
            JsonObject o = JsonParser.parseString(text).getAsJsonObject();
            if (!FORMAT.equals(o.get("format").getAsString())) {
                throw new VptlabException("unsupported format " + o.get("format") + " (this vptlab reads " + FORMAT + ")");
            }
            List<PlanEntry> entries = new ArrayList<>();
            for (JsonElement el : o.getAsJsonArray("runs")) {
                JsonObject r = el.getAsJsonObject();
                List<String> args = GSON.fromJson(r.get("args"), new TypeToken<List<String>>() {}.getType());
                Map<String, Object> config = GSON.fromJson(r.get("config"), new TypeToken<Map<String, Object>>() {}.getType());
                entries.add(new PlanEntry(r.get("id").getAsString(), r.get("select").isJsonNull() ? null : r.get("select").getAsString(),
                        r.get("folder").getAsString(), args, config, r.get("estimate_gpu_hours").getAsDouble()));
            }
            return new Plan(o.get("name").getAsString(), o.get("data_root").getAsString(),
                    o.getAsJsonObject("estimate").get("assumed_tflops").getAsDouble(), entries);
        } catch (RuntimeException e) {
            throw new VptlabException(file + ": malformed plan: " + e.getMessage(), e);
        }
    }

    /** Estimates are shown to a thousandth of an hour; more digits would claim a precision they do not have. */
    static double round(double hours) {
        return Math.round(hours * 1000) / 1000.0;
    }
}
