/**
 * The mini benchmark: small VTAB-1K-like tasks rendered deterministically from Fashion-MNIST's 10,000
 * <em>test</em> images, which the tiny backbone's self-supervised pretraining (60,000 train images only)
 * never saw. It lets the prompt-tuning methods, and the block-location study (Yoo et al., Fig. 1: the best
 * insertion block depends on the task, the CUB and KITTI curves differ in shape, so the study needs tasks of
 * different kinds), be run end to end on one machine in minutes.
 *
 * <p>Protocol, as VTAB-1K in GatedPT/VPT: train800val200 (1,000 images, trained on), val200 (its last
 * 200, logged), test (2,000); train and test images come from disjoint halves of a seeded permutation of
 * the test split. Images are 1×32×32, {@code x/255} normalised with Fashion-MNIST's train mean 0.2860 and
 * std 0.3530 ({@link dev.vptlab.mini.FashionMnistStats}). Everything is a function of (task key, seed).
 *
 * <table>
 *   <caption>Tasks (one line each: what is predicted, and why it mirrors its VTAB group)</caption>
 *   <tr><th>key</th><th>group</th><th>classes</th><th>predicted / why</th></tr>
 *   <tr><td>fm-item</td><td>natural</td><td>10</td><td>the class of one centred 28-px item: plain object
 *       recognition of everyday things, like Caltech101/CIFAR.</td></tr>
 *   <tr><td>fm-tops</td><td>specialized</td><td>4</td><td>T-shirt/top vs Pullover vs Coat vs Shirt: look-alike
 *       classes told apart by subtle cues, like the expert distinctions of Patch Camelyon/Retinopathy.</td></tr>
 *   <tr><td>fm-shift</td><td>specialized</td><td>10</td><td>the item's class with inverted intensities and
 *       Gaussian noise σ = 0.1·255: familiar objects through unfamiliar imaging, like satellite/medical
 *       images.</td></tr>
 *   <tr><td>fm-count</td><td>structured</td><td>4</td><td>how many 12-px non-overlapping items (1–4): counting,
 *       like CLEVR-count.</td></tr>
 *   <tr><td>fm-position</td><td>structured</td><td>9</td><td>which cell of a 3×3 grid holds the jittered 12-px
 *       item: location, like dSprites-location.</td></tr>
 *   <tr><td>fm-rotation</td><td>structured</td><td>4</td><td>the centred item's clockwise rotation
 *       (0/90/180/270°): orientation, like dSprites-orientation/smallNORB-azimuth.</td></tr>
 *   <tr><td>fm-scale</td><td>structured</td><td>3</td><td>the centred item's size (12/20/28 px): apparent size as
 *       a distance proxy, like KITTI-/CLEVR-distance.</td></tr>
 *   <tr><td>fm-seg</td><td>segmentation</td><td>11</td><td>per pixel, background or 1 + the class of the top-most
 *       item (2–3 overlapping 14-px items; foreground where the item's pixel &gt; 0.1·255): dense prediction
 *       for the segmentation work.</td></tr>
 * </table>
 *
 * <p>Classes: {@link dev.vptlab.mini.MiniBenchmark} (task list, {@code open}, {@code segmentation}),
 * {@link dev.vptlab.mini.Canvas} (placing, scaling, rotating items; shared by all tasks),
 * {@code Layout} (where items go), {@code DomainShift} (fm-shift's sensor change), {@code SourcePool}
 * (disjoint seeded source images), {@link dev.vptlab.mini.MiniDataset} and
 * {@link dev.vptlab.mini.MiniSegmentation} (the in-memory splits). {@code DataSources} opens the
 * {@code fm-*} classification tasks by name.
 */
package dev.vptlab.mini;
