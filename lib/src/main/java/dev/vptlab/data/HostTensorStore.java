package dev.vptlab.data;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vptlab.VptlabException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * N float items of one shape kept in host memory (a decoded split, the frozen-prefix tokens of a
 * split), from which batches are gathered by the engine in one indexed copy per chunk.
 *
 * <p>The items live in native-order direct buffers of whole items, each at most {@link #CHUNK_BYTES}
 * (one Java buffer holds less than 2 GiB; a ViT-B prefix cache of a VTAB test split holds 10–45 GB).
 * The buffers are either plain direct memory or pages of a memory-mapped temporary file
 * ({@link #mapped}), which the operating system keeps in RAM while it has room. This object keeps its
 * buffers referenced for its whole life; the engine views each as one CPU tensor (no copy). A batch is
 * {@code store[indices]}: a new, engine-owned tensor, so nothing outlives its own memory.
 */
public final class HostTensorStore implements AutoCloseable {
    /** Largest buffer: 1 GiB, in whole items. */
    public static final long CHUNK_BYTES = 1L << 30;

    private final long[] itemShape;
    private final int per;
    private final int count;
    private final int itemsPerChunk;
    private final FloatBuffer[] chunks;
    private final ByteBuffer[] buffers;
    private NDManager manager;
    private NDArray[] views;

    /** A store in direct memory. */
    public HostTensorStore(int count, long... itemShape) {
        this(count, CHUNK_BYTES, null, itemShape);
    }

    /**
     * A store backed by a memory-mapped file created in {@code dir} and unlinked at once, so that its disk
     * space returns to the system when the store is collected or the process ends, even after a crash.
     */
    public static HostTensorStore mapped(Path dir, int count, long... itemShape) {
        return new HostTensorStore(count, CHUNK_BYTES, dir, itemShape);
    }

    /** {@code chunkBytes} is package-visible so that tests can cross chunk boundaries with small stores. */
    HostTensorStore(int count, long chunkBytes, Path mapDir, long... itemShape) {
        long n = 1;
        for (long d : itemShape) {
            n *= d;
        }
        if (n * 4 > chunkBytes) {
            throw new VptlabException("an item of " + n * 4 + " bytes exceeds the host store's chunk of " + chunkBytes + " bytes");
        }
        this.itemShape = itemShape.clone();
        this.per = (int) n;
        this.count = count;
        this.itemsPerChunk = (int) Math.min(count == 0 ? 1 : count, chunkBytes / (n * 4));
        int nChunks = count == 0 ? 0 : (count + itemsPerChunk - 1) / itemsPerChunk;
        this.buffers = new ByteBuffer[nChunks];
        this.chunks = new FloatBuffer[nChunks];
        FileChannel channel = null;
        Path file = null;
        try {
            if (mapDir != null) {
                Files.createDirectories(mapDir);
                file = Files.createTempFile(mapDir, "vptlab-store-", ".f32");
                channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            for (int c = 0; c < nChunks; c++) {
                long bytes = (long) Math.min(itemsPerChunk, count - c * itemsPerChunk) * per * 4;
                buffers[c] = channel == null ? ByteBuffer.allocateDirect((int) bytes)
                        : channel.map(FileChannel.MapMode.READ_WRITE, (long) c * itemsPerChunk * per * 4, bytes);
                buffers[c].order(ByteOrder.nativeOrder());
                chunks[c] = buffers[c].asFloatBuffer();
            }
        } catch (IOException e) {
            throw new VptlabException("cannot map a host store of " + (bytesFor(count, itemShape) >> 20) + " MiB in " + mapDir
                    + ": " + e.getMessage(), e);
        } finally {
            closeQuietly(channel, file);
        }
    }

    /** The mapping outlives its channel and its directory entry (POSIX); only the pages remain. */
    private static void closeQuietly(FileChannel channel, Path file) {
        try {
            if (channel != null) {
                channel.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        put(i, values, 0);
    }

    /** Writes items start.. from a [k, item] row-major array (thread-safe for distinct items). */
    public void putAll(int start, float[] values) {
        for (int j = 0; j < values.length / per; j++) {
            put(start + j, values, j * per);
        }
    }

    private void put(int i, float[] values, int offset) {
        chunks[i / itemsPerChunk].duplicate().position((i % itemsPerChunk) * per).put(values, offset, per);
    }

    /** A copy of item i. */
    public float[] get(int i) {
        float[] out = new float[per];
        chunks[i / itemsPerChunk].duplicate().position((i % itemsPerChunk) * per).get(out);
        return out;
    }

    public int count() {
        return count;
    }

    /** Buffers the items are split into. */
    int chunkCount() {
        return chunks.length;
    }

    /** The items at {@code indices}, as one [B, item…] tensor on {@code m}'s device, owned by {@code m}. */
    public synchronized NDArray gather(NDManager m, int[] indices) {
        if (views == null) {
            manager = NDManager.newBaseManager(Device.cpu());
            views = new NDArray[chunks.length];
            for (int c = 0; c < chunks.length; c++) {
                long[] shape = new long[itemShape.length + 1];
                shape[0] = buffers[c].capacity() / (4L * per);
                System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
                views[c] = manager.create(buffers[c], new Shape(shape), DataType.FLOAT32);
                // Created lazily, possibly inside a caller's per-step NDScope: it belongs to this store, not to the step.
                NDScope.unregister(views[c]);
            }
        }
        try (NDManager tmp = manager.newSubManager()) {
            NDArray batch = gatherFromChunks(tmp, indices);
            if (!m.getDevice().equals(Device.cpu())) {
                NDArray moved = batch.toDevice(m.getDevice(), true);
                moved.attach(m);
                return moved;
            }
            batch.attach(m);
            return batch;
        }
    }

    /**
     * One indexed copy from the chunk when the batch lies in one; otherwise the rows, as views, stacked in
     * the requested order: still one new tensor (each new tensor of a ViT-B batch costs tens of ms of fresh
     * pages), and the values are copied, never computed, so the batch is exactly the items.
     */
    private NDArray gatherFromChunks(NDManager tmp, int[] indices) {
        int first = indices.length == 0 ? 0 : indices[0] / itemsPerChunk;
        boolean oneChunk = true;
        for (int i : indices) {
            if (i < 0 || i >= count) {
                throw new IndexOutOfBoundsException("item " + i + " of a store of " + count);
            }
            oneChunk &= i / itemsPerChunk == first;
        }
        if (oneChunk) {
            return views[first].get(tmp.create(local(indices, first)));
        }
        NDList rows = new NDList(indices.length);
        for (int i : indices) {
            rows.add(views[i / itemsPerChunk].get(i % itemsPerChunk));
        }
        return NDArrays.stack(rows, 0);
    }

    private long[] local(int[] indices, int chunk) {
        long[] idx = new long[indices.length];
        for (int j = 0; j < idx.length; j++) {
            idx[j] = indices[j] - (long) chunk * itemsPerChunk;
        }
        return idx;
    }

    @Override
    public synchronized void close() {
        if (manager != null) {
            manager.close();
            manager = null;
            views = null;
        }
    }
}
