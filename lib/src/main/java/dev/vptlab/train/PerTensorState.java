package dev.vptlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.VptlabException;
import dev.vptlab.checkpoint.DType;
import dev.vptlab.checkpoint.RawTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An optimizer's state, keyed by parameter name like {@code torch.optim}'s {@code state[p]}: per
 * parameter some arrays of the parameter's shape ("kinds", e.g. {@code exp_avg}) and optionally an
 * integer step counter. Exported and restored under the keys {@code <param>.<kind>}; parameter
 * names may contain dots, so keys are split at the known kind suffixes.
 *
 * <p>Live arrays sit on the parameter's manager and device. Restored state is kept as host copies
 * until that parameter's next step, because only then are its device and shape known; a key whose
 * parameter was already seen is checked at once.
 */
final class PerTensorState {
    /** One parameter's live state: arrays in kind order, and the number of steps taken. */
    static final class Slot {
        final NDArray[] arrays;
        long count;

        Slot(NDArray[] arrays, long count) {
            this.arrays = arrays;
            this.count = count;
        }
    }

    private record Pending(Map<String, RawTensor> byKind, String source) {}

    private final String owner;
    private final List<String> kinds;
    private final String counterKind;
    private final Map<String, Slot> live = new LinkedHashMap<>();
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    /** Shapes of every parameter stepped so far, for checking restored state early. */
    private final Map<String, long[]> seenShapes = new LinkedHashMap<>();

    /**
     * @param owner the optimizer's name, for messages
     * @param kinds the array kinds, each with the parameter's shape
     * @param counterKind the step counter's kind, or {@code null} when there is none
     */
    PerTensorState(String owner, List<String> kinds, String counterKind) {
        this.owner = owner;
        this.kinds = List.copyOf(kinds);
        this.counterKind = counterKind;
    }

    /**
     * The live state of {@code name}, first moving restored host copies onto {@code p}'s device;
     * {@code null} when the parameter has no state yet (its first step).
     */
    Slot slot(String name, NDArray p) {
        long[] shape = p.getShape().getShape();
        seenShapes.put(name, shape);
        Slot s = live.get(name);
        if (s != null) {
            return s;
        }
        Pending pend = pending.get(name);
        if (pend == null) {
            return null;
        }
        checkShapes(name, pend.byKind(), shape, pend.source());
        NDArray[] arrays = new NDArray[kinds.size()];
        for (int i = 0; i < arrays.length; i++) {
            arrays[i] = onDeviceOf(p, pend.byKind().get(kinds.get(i)));
        }
        long count = counterKind == null ? 0 : counterValue(name, pend.byKind().get(counterKind), pend.source());
        s = new Slot(arrays, count);
        live.put(name, s);
        pending.remove(name);
        return s;
    }

    /** Registers fresh state for {@code name}; the arrays must already live on the parameter's manager. */
    Slot create(String name, NDArray... arrays) {
        Slot s = new Slot(arrays, 0);
        live.put(name, s);
        return s;
    }

    /** Host copies of all state, live and not yet restored, in first-seen order. */
    Map<String, RawTensor> export() {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Slot> e : live.entrySet()) {
            Slot s = e.getValue();
            for (int i = 0; i < kinds.size(); i++) {
                NDArray a = s.arrays[i];
                out.put(e.getKey() + "." + kinds.get(i), RawTensor.ofFloats(a.getShape().getShape(), a.toFloatArray()));
            }
            if (counterKind != null) {
                out.put(e.getKey() + "." + counterKind, counter(s.count));
            }
        }
        for (Map.Entry<String, Pending> e : pending.entrySet()) {
            e.getValue().byKind().forEach((kind, t) -> out.put(e.getKey() + "." + kind, t));
        }
        return out;
    }

    /**
     * Replaces all state with {@code state} (as {@code load_state_dict} does). Everything is validated
     * before anything is replaced, so a failed load leaves the optimizer as it was.
     */
    void load(Map<String, RawTensor> state, String source) {
        Map<String, Map<String, RawTensor>> byParam = new LinkedHashMap<>();
        for (Map.Entry<String, RawTensor> e : state.entrySet()) {
            String key = e.getKey();
            String kind = kindOf(key);
            if (kind == null) {
                throw new VptlabException(source + ": unknown " + owner + " state key '" + key + "' " + e.getValue()
                        + "; expected <param>." + String.join(" | <param>.", allKinds()));
            }
            String name = key.substring(0, key.length() - kind.length() - 1);
            // Stored as F32 whatever the file held, so that export() returns what step() would use.
            RawTensor t = kind.equals(counterKind) ? e.getValue()
                    : RawTensor.ofFloats(e.getValue().shape(), e.getValue().toFloatArray());
            byParam.computeIfAbsent(name, k -> new LinkedHashMap<>()).put(kind, t);
        }
        for (Map.Entry<String, Map<String, RawTensor>> e : byParam.entrySet()) {
            String name = e.getKey();
            Map<String, RawTensor> byKind = e.getValue();
            for (String kind : allKinds()) {
                if (!byKind.containsKey(kind)) {
                    throw new VptlabException(source + ": " + owner + " state for '" + name + "' has "
                            + byKind.keySet() + " but no '" + name + "." + kind + "'");
                }
            }
            if (counterKind != null) {
                counterValue(name, byKind.get(counterKind), source);
            }
            long[] first = byKind.get(kinds.get(0)).shape();
            checkShapes(name, byKind, seenShapes.getOrDefault(name, first), source);
        }
        clear();
        byParam.forEach((name, byKind) -> pending.put(name, new Pending(byKind, source)));
    }

    /** Frees every live array and forgets all state. */
    void clear() {
        for (Slot s : live.values()) {
            for (NDArray a : s.arrays) {
                a.close();
            }
        }
        live.clear();
        pending.clear();
    }

    private List<String> allKinds() {
        if (counterKind == null) {
            return kinds;
        }
        List<String> all = new ArrayList<>(kinds);
        all.add(counterKind);
        return all;
    }

    private String kindOf(String key) {
        for (String kind : allKinds()) {
            if (key.endsWith("." + kind) && key.length() > kind.length() + 1) {
                return kind;
            }
        }
        return null;
    }

    private void checkShapes(String name, Map<String, RawTensor> byKind, long[] paramShape, String source) {
        for (String kind : kinds) {
            long[] got = byKind.get(kind).shape();
            if (!Arrays.equals(got, paramShape)) {
                throw new VptlabException(source + ": " + owner + " state '" + name + "." + kind + "' has shape "
                        + Arrays.toString(got) + " but parameter '" + name + "' has shape " + Arrays.toString(paramShape));
            }
        }
    }

    private long counterValue(String name, RawTensor t, String source) {
        long count = -1;
        if (t.numel() == 1 && t.dtype() == DType.I64) {
            count = t.data().getLong(0); // exact, unlike a detour through float
        } else if (t.numel() == 1) {
            float v = t.toFloatArray()[0]; // torch 1.13 itself keeps 'step' as a float tensor
            count = v >= 0 && v == Math.rint(v) ? (long) v : -1;
        }
        if (count < 0) {
            throw new VptlabException(source + ": " + owner + " state '" + name + "." + counterKind
                    + "' must be one non-negative integer, got " + t);
        }
        return count;
    }

    private static RawTensor counter(long count) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, count);
        return new RawTensor(DType.I64, new long[] {1}, b);
    }

    /** A copy of host values on {@code p}'s manager and device (the manager's default device may differ). */
    private static NDArray onDeviceOf(NDArray p, RawTensor t) {
        NDManager m = p.getManager();
        NDArray a = m.create(t.toFloatArray(), new Shape(t.shape()));
        if (!a.getDevice().equals(p.getDevice())) {
            NDArray moved = a.toDevice(p.getDevice(), true);
            a.close();
            a = moved;
        }
        return a;
    }
}
