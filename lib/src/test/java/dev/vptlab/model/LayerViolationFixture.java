package dev.vptlab.model;

/** Breaks the layering on purpose (model → cli), for PackageLayersTest's check that its rule can fail. */
final class LayerViolationFixture {
    static String entryPoint() {
        return dev.vptlab.cli.Main.class.getName();
    }
}
