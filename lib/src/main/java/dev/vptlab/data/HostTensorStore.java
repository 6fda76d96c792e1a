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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * N float items of one shape kept in host memory (a decoded split, the frozen-prefix tokens of a
 * split), from which batches are gathered by the engine in one copy.
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
    private boolean closed;

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
            freeAll(buffers);
            throw new VptlabException("cannot map a host store of " + (bytesFor(count, itemShape) >> 20) + " MiB in " + mapDir
                    + ": " + e.getMessage(), e);
        } catch (RuntimeException | OutOfMemoryError e) {
            freeAll(buffers); // the chunks made before the failing one
            throw e;
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
        } catch (IOException ignored) {
            // the mapping stays valid; nothing to undo
        }
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                file.toFile().deleteOnExit(); // a system that cannot unlink a mapped file
            }
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
        if (values.length % per != 0) {
            throw new IllegalArgumentException(values.length + " values are not a whole number of items of " + per);
        }
        for (int j = 0; j < values.length / per; j++) {
            put(start + j, values, j * per);
        }
    }

    private void put(int i, float[] values, int offset) {
        checkOpen();
        chunks[i / itemsPerChunk].duplicate().position((i % itemsPerChunk) * per).put(values, offset, per);
    }

    /** A copy of item i. */
    public float[] get(int i) {
        checkOpen();
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
        checkOpen();
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
        // Results of operations on the views belong to the views' manager, the store's: every intermediate is put
        // on tmp, so that it is freed here even when the caller has no NDScope open.
        try (NDManager tmp = manager.newSubManager()) {
            NDArray batch = gatherFromChunks(tmp, indices);
            batch.attach(tmp);
            NDArray out = m.getDevice().equals(Device.cpu()) ? batch : batch.toDevice(m.getDevice(), true);
            out.attach(m);
            return out;
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
        rows.attach(tmp);
        return NDArrays.stack(rows, 0);
    }

    private long[] local(int[] indices, int chunk) {
        long[] idx = new long[indices.length];
        for (int j = 0; j < idx.length; j++) {
            idx[j] = indices[j] - (long) chunk * itemsPerChunk;
        }
        return idx;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("host store used after close");
        }
    }

    /**
     * Frees the engine's views, then the buffers themselves at once (a mapped store's pages and disk blocks
     * included) rather than whenever the collector gets to them: a ViT-B cache is tens of GB. Every batch
     * handed out is a copy, so nothing still points into them.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (manager != null) {
            manager.close();
            manager = null;
            views = null;
        }
        freeAll(buffers);
        java.util.Arrays.fill(chunks, null);
    }

    private static void freeAll(ByteBuffer[] buffers) {
        for (int c = 0; c < buffers.length; c++) {
            free(buffers[c]);
            buffers[c] = null;
        }
    }

    /** Releases a direct or mapped buffer now (JDK 17: {@code sun.misc.Unsafe.invokeCleaner}); else the collector will. */
    private static void free(ByteBuffer b) {
        if (b == null || !b.isDirect()) {
            return;
        }
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            java.lang.reflect.Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafeClass.getMethod("invokeCleaner", ByteBuffer.class).invoke(f.get(null), b);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not available on this JVM: the buffer goes when it is collected
        }
    }
}
