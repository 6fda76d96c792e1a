package dev.vptlab.report;

import ai.djl.ndarray.NDManager;
import dev.vptlab.model.VisionTransformer;
import dev.vptlab.model.VitConfig;
import dev.vptlab.prompt.CrossVisualPrompts;
import dev.vptlab.prompt.MethodConfig;
import dev.vptlab.prompt.Pooling;
import dev.vptlab.prompt.PromptedVit;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * CVPT's four cross-attention weight variants: our trainable counts against the CVPT paper's
 * ({@code cvpt_ablation.csv}, a secondary source).
 */
public final class CvptWeightVariants {
    private CvptWeightVariants() {}

    /** Names of CVPT's cross-attention weight variants as {@code cvpt_ablation.csv} writes them. */
    public static final Map<CrossVisualPrompts.Weights, String> PAPER_VARIANTS = Map.of(
            CrossVisualPrompts.Weights.SHARED_FROZEN, "shared + frozen CA (default)",
            CrossVisualPrompts.Weights.SHARED_LEARNABLE, "shared + learnable CA",
            CrossVisualPrompts.Weights.RANDOM_LEARNABLE, "random init + learnable CA",
            CrossVisualPrompts.Weights.RANDOM_FROZEN, "random init + frozen CA");

    /**
     * Our trainable counts of CVPT's four cross-attention weight variants, counted on models built on a random
     * {@code c} trunk with {@code prompts} prompts per block and a {@code classes}-way head, in millions, next to
     * the paper's {@code trainable_params_m} of {@code cvpt_ablation.csv} (column "paper: trainable_params_m";
     * a secondary source). Columns: variant, prompts, "ours: prompts + CA (M)" (without the head), "ours: with
     * head (M)", "paper: trainable_params_m", "ours rounded as the paper".
     */
    public static Table vsPaper(VitConfig c, int prompts, int classes) {
        Table paper = PaperTables.where("cvpt_ablation", "ablation", "cross-attention weights");
        Table t = Table.create("CVPT trainable parameters by cross-attention weights, " + c.name() + ", P = " + prompts
                + " (ours, counted) and the paper's (secondary source)");
        StringColumn variant = StringColumn.create("variant");
        IntColumn p = IntColumn.create("prompts");
        DoubleColumn noHead = DoubleColumn.create("ours: prompts + CA (M)");
        DoubleColumn withHead = DoubleColumn.create("ours: with " + classes + "-class head (M)");
        DoubleColumn paperM = DoubleColumn.create("paper: trainable_params_m");
        StringColumn agrees = StringColumn.create("ours rounded as the paper");
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.create(c, manager);
            for (CrossVisualPrompts.Weights w : CrossVisualPrompts.Weights.values()) {
                MethodConfig m = CrossVisualPrompts.Config.of(prompts).withCross(3, w);
                long all;
                long head;
                try (NDManager sub = manager.newSubManager()) {
                    PromptedVit model = m.model(vit, sub, Pooling.CLS, classes);
                    all = model.trainableCount();
                    head = model.parameterGroups().getOrDefault("head", 0L);
                }
                String name = PAPER_VARIANTS.get(w);
                double ours = (all - head) / 1e6;
                variant.append(name);
                p.append(prompts);
                noHead.append(ours);
                withHead.append(all / 1e6);
                Table match = paper.where(paper.stringColumn("variant").isEqualTo(name));
                double theirs = match.rowCount() == 0 ? Double.NaN : match.doubleColumn("trainable_params_m").get(0);
                paperM.append(theirs);
                if (Double.isNaN(theirs)) {
                    agrees.append("");
                } else {
                    int scale = Math.max(0, BigDecimal.valueOf(theirs).stripTrailingZeros().scale());
                    double rounded = BigDecimal.valueOf(ours).setScale(scale, java.math.RoundingMode.HALF_UP).doubleValue();
                    agrees.append(String.format(Locale.ROOT, "%." + scale + "f (%s)", rounded, rounded == theirs ? "same" : "differs"));
                }
            }
        }
        t.addColumns(variant, p, noHead, withHead, paperM, agrees);
        return t;
    }

    /** One sentence on how {@link #vsPaper}'s counts compare with the paper's (numbers from the table). */
    public static String comparison(Table variants) {
        int same = 0;
        int compared = 0;
        List<String> differ = new ArrayList<>();
        for (Row r : variants) {
            String a = r.getString("ours rounded as the paper");
            if (!a.isEmpty()) {
                compared++;
                if (a.endsWith("(same)")) {
                    same++;
                } else {
                    differ.add(r.getString("variant"));
                }
            }
        }
        String p = variants.rowCount() == 0 ? "?" : String.valueOf(variants.intColumn("prompts").get(0));
        return String.format(Locale.ROOT, "Rounded to the paper's precision, our counted prompts + cross-attention parameters "
                + "(head excluded, P = %s) equal the paper's trainable_params_m for %d of the %d variants it lists%s. The "
                + "paper's rows give no prompt count: the reference table's note infers it from the default variant's value.",
                p, same, compared, differ.isEmpty() ? "" : " (they differ for: " + String.join("; ", differ) + ")");
    }
}
