package dev.vptlab.model;

import ai.djl.ndarray.NDArray;

/**
 * Extra keys and values a method appends inside self-attention, after the q/k/v projection: every query then
 * also attends to these P entries (E2VPT's key-value prompts, Han et al., ICCV 2023). Both are [P, D] or
 * [B, P, D] in the model width, split into heads as the projected keys and values are.
 */
public record KeyValuePrompts(NDArray keys, NDArray values) {}
