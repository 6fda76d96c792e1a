package dev.vptlab.checkpoint;

/**
 * Where a checkpoint comes from (the MAE, MoCo v3 and Google ImageNet-21k files the papers use, or timm),
 * which decides its key layout and which keys are knowingly ignored (an explicit allow-list per source,
 * listed below).
 */
public enum CheckpointSource {
    /** timm / Hugging Face state dict with timm names ({@code head.*}, {@code pre_logits.*} ignored). */
    TIMM("timm"),
    /** MAE pretrain encoder, container key {@code 'model'}; timm names ({@code decoder_*}, {@code mask_token} ignored). */
    MAE("mae"),
    /** MoCo v3 pretrain, {@code 'state_dict'} with {@code module.base_encoder.}; momentum encoder, predictor, projector ignored. */
    MOCO_V3_PRETRAIN("mocov3-pretrain"),
    /** MoCo v3 linear probe, {@code 'state_dict'} with {@code module.}; the linear head ignored. */
    MOCO_V3_LINEAR("mocov3-linear"),
    /** Google's ViT {@code .npz} (JAX names), mapped like timm's {@code _load_weights}; {@code head/}, {@code pre_logits/} ignored. */
    GOOGLE_NPZ("google-npz");

    private final String id;

    CheckpointSource(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
