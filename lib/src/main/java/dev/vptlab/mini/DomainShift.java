package dev.vptlab.mini;

import java.util.Random;

/**
 * The sensor change of {@code fm-shift}: intensities inverted ({@code 255 − x}) and additive Gaussian noise
 * of σ = 0.1 · 255, clipped to 0..255. The objects and labels stay those of {@code fm-item}; only the
 * imaging changes, as VTAB's specialized tasks show familiar-looking content through unfamiliar
 * equipment (microscopes, satellites, fundus cameras). The whole canvas is shifted, borders included.
 */
final class DomainShift {
    /** Noise standard deviation on the 0..255 scale. */
    static final float SIGMA = 0.1f * 255f;

    private DomainShift() {}

    /** Inverts and noises the canvas in place; the noise is drawn from {@code rng} in row-major order. */
    static void apply(Canvas canvas, Random rng) {
        float[] px = canvas.pixels();
        for (int i = 0; i < px.length; i++) {
            float v = 255f - px[i] + (float) rng.nextGaussian() * SIGMA;
            px[i] = Math.min(255f, Math.max(0f, v));
        }
    }
}
