package dev.vptlab.data;

/** The three splits of a task: train (train800val200 on VTAB-1K), validation and test. */
public record Splits(ImageDataset train, ImageDataset val, ImageDataset test) {}
