package dev.vptlab.data;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * N float items of one shape kept in host memory (a decoded split, the frozen-prefix tokens of a
 * split), from which batches are gathered by the engine in one indexed copy.
 *
 * <p>The items live in a single native-order direct buffer that this object keeps referenced for its
 * whole life; the engine views it as one CPU tensor (no copy). A batch is {@code store[indices]}: a new,
 * engine-owned tensor, so nothing outlives its own memory (the view never leaves this object).
 */
public final class HostTensorStore implements AutoCloseable {
    private final long[] itemShape;
    private final int per;
    private final int count;
    private final ByteBuffer buffer;
    private final FloatBuffer floats;
    private NDManager manager;
    private NDArray all;

    public HostTensorStore(int count, long... itemShape) {
        long n = 1;
        for (long d : itemShape) {
            n *= d;
        }
        long bytes = n * count * 4;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new dev.vptlab.VptlabException("a host store of " + (bytes >> 20) + " MiB exceeds the 2 GiB limit of one buffer");
        }
        this.itemShape = itemShape.clone();
        this.per = (int) n;
        this.count = count;
        this.buffer = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        this.floats = buffer.asFloatBuffer();
    }

    /** Bytes a store of {@code count} items of {@code itemShape} takes. */
    public static long bytesFor(long count, long... itemShape) {
        long n = count * 4;
        for (long d : itemShape) {
            n *= d;
        }
        return n;
    }

    /** Writes item i (thread-safe for distinct i). */
    public void put(int i, float[] values) {
        floats.duplicate().position(i * per).put(values, 0, per);
    }

    /** Writes items start.. from a [k, item] row-major array. */
    public void putAll(int start, float[] values) {
        floats.duplicate().position(start * per).put(values);
    }

    /** A copy of item i. */
    public float[] get(int i) {
        float[] out = new float[per];
        floats.duplicate().position(i * per).get(out);
        return out;
    }

    public int count() {
        return count;
    }

    /** The items at {@code indices}, as one [B, item…] tensor on {@code m}'s device, owned by {@code m}. */
    public synchronized NDArray gather(NDManager m, int[] indices) {
        if (all == null) {
            manager = NDManager.newBaseManager(Device.cpu());
            long[] shape = new long[itemShape.length + 1];
            shape[0] = count;
            System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
            all = manager.create(buffer, new Shape(shape), DataType.FLOAT32);
            // Created lazily, possibly inside a caller's per-step NDScope: it belongs to this store, not to the step.
            ai.djl.ndarray.NDScope.unregister(all);
        }
        long[] idx = new long[indices.length];
        for (int j = 0; j < idx.length; j++) {
            idx[j] = indices[j];
        }
        try (NDManager tmp = manager.newSubManager()) {
            NDArray batch = all.get(tmp.create(idx));
            if (!m.getDevice().equals(Device.cpu())) {
                NDArray moved = batch.toDevice(m.getDevice(), true);
                moved.attach(m);
                return moved;
            }
            batch.attach(m);
            return batch;
        }
    }

    @Override
    public synchronized void close() {
        if (manager != null) {
            manager.close();
            manager = null;
            all = null;
        }
    }
}
