/**
 * Semantic segmentation on ADE20K as Gated Prompt Tuning (Yoo et al., ICML 2023, §5.2.3, Tables 3 and 6) and CVPT
 * (Huang et al., 2024, ADE20K table) run it: a prompted ViT read at several blocks, SETR-PUP decode and auxiliary
 * heads (Zheng et al., CVPR 2021, as mmsegmentation v0.15.0's {@code SETRUPHead}), pixel cross-entropy, SGD with a
 * per-iteration poly schedule, slide and multi-scale inference, and mIoU. Neither VPT's nor Gated PT's authors
 * released segmentation code; where the papers are silent this package follows mmsegmentation's defaults, which is
 * our reconstruction and is said so where it applies. It sits above {@code train}, whose step, optimiser, run folder
 * and run record it reuses.
 */
package dev.vptlab.seg;
