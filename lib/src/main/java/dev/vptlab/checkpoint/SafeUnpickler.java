package dev.vptlab.checkpoint;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.Set;

/**
 * A pickle reader that understands only what {@code torch.save} and ordinary checkpoint dicts produce, and
 * that executes nothing: DJL cannot read {@code .pth} state dicts, so vptlab reads them itself, the same idea
 * as PyTorch's {@code weights_only=True}. Every global outside the allow-list fails with
 * {@link UnsafeCheckpointException} the moment its {@code GLOBAL}/{@code STACK_GLOBAL} opcode is read, so
 * nothing from the file is ever called or even resolved; the allowed "calls" are interpreted in Java.
 *
 * <p>Allowed: {@code collections.OrderedDict}, torch's tensor/parameter rebuild functions and storage types,
 * and (protocol 2 has no opcodes for them) {@code builtins.set}/{@code frozenset}/{@code bytes} and
 * {@code _codecs.encode(str, "latin1")}; Python 2 module names are read as Python 3's. The opcodes of
 * protocols 2 to 5 that such files use are supported; any other is a {@link CheckpointFormatException} naming
 * it and its offset. Values become Java ones: dict → {@link LinkedHashMap} (order kept), list →
 * {@link ArrayList}, tuple → immutable {@link List}, set → {@link LinkedHashSet}, int → {@link Long} or
 * {@link BigInteger}, float → {@link Double}, bool, str, bytes, None → {@code null}, tensor → {@link RawTensor};
 * BUILD state on a dict or tensor is dropped (it carries no weights). Every length is checked against the
 * bytes left before allocating; the stack, memo and big integers are capped; dict keys and set elements must
 * be hashable in Python's sense.
 *
 * <p>Long because it is one idea that cannot be cut: a pickle virtual machine whose opcodes and allow-list must
 * be read together to see that nothing outside the list can run.
 */
final class SafeUnpickler {

    /** Largest pickle accepted; a ViT state dict's {@code data.pkl} is a few tens of KB. */
    static final int MAX_PICKLE_BYTES = 64 << 20;
    private static final int MAX_STACK = 1 << 20;
    private static final int MAX_MEMO = 1 << 20;
    private static final int MAX_LONG_BYTES = 64;
    private static final int MAX_GLOBAL_NAME = 256;

    /**
     * Supplies what the pickle stream cannot hold itself: torch's storages live outside {@code data.pkl}
     * and are referenced through persistent ids.
     */
    interface TensorSource {
        /** Resolves the object popped by BINPERSID (for torch: a storage descriptor). */
        Object persistentLoad(Object pid);

        /** A tensor viewing {@code storage} (as returned by {@link #persistentLoad}), in elements. */
        RawTensor rebuildTensor(Object storage, long storageOffset, long[] size, long[] stride);
    }

    /** A storage class named by the pickle (e.g. {@code torch.FloatStorage}); only used inside persistent ids. */
    record StorageType(String name, DType dtype) {}

    /** The allowed callables, interpreted in Java. */
    private enum Callable {
        ORDERED_DICT, SET, FROZENSET, BYTES, CODECS_ENCODE, REBUILD_TENSOR, REBUILD_TENSOR_V2, REBUILD_PARAMETER,
        REBUILD_PARAMETER_WITH_STATE
    }

    private static final Map<String, Object> ALLOWED = allowList();

    private static Map<String, Object> allowList() {
        Map<String, Object> m = new HashMap<>();
        m.put("collections.OrderedDict", Callable.ORDERED_DICT);
        // Plain containers; harmless, and what protocol 2 emits for set/frozenset values.
        m.put("builtins.set", Callable.SET);
        m.put("builtins.frozenset", Callable.FROZENSET);
        // Protocol 2 has no bytes opcode: b"" is bytes() and other bytes are _codecs.encode(str, "latin1").
        m.put("builtins.bytes", Callable.BYTES);
        m.put("_codecs.encode", Callable.CODECS_ENCODE);
        m.put("torch._utils._rebuild_tensor", Callable.REBUILD_TENSOR);
        m.put("torch._utils._rebuild_tensor_v2", Callable.REBUILD_TENSOR_V2);
        m.put("torch._utils._rebuild_parameter", Callable.REBUILD_PARAMETER);
        m.put("torch._utils._rebuild_parameter_with_state", Callable.REBUILD_PARAMETER_WITH_STATE);
        storage(m, "FloatStorage", DType.F32);
        storage(m, "HalfStorage", DType.F16);
        storage(m, "BFloat16Storage", DType.BF16);
        storage(m, "DoubleStorage", DType.F64);
        storage(m, "LongStorage", DType.I64);
        storage(m, "IntStorage", DType.I32);
        storage(m, "ShortStorage", DType.I16);
        storage(m, "CharStorage", DType.I8);
        storage(m, "ByteStorage", DType.U8);
        storage(m, "BoolStorage", DType.BOOL);
        // torch >= 2 names an untyped storage this way; its numel counts bytes.
        m.put("torch.UntypedStorage", new StorageType("torch.UntypedStorage", DType.U8));
        m.put("torch.storage.UntypedStorage", new StorageType("torch.storage.UntypedStorage", DType.U8));
        return Map.copyOf(m);
    }

    private static void storage(Map<String, Object> m, String cls, DType dtype) {
        m.put("torch." + cls, new StorageType("torch." + cls, dtype));
    }

    // Opcodes, as documented in CPython's pickletools.
    private static final int MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', NONE = 'N';
    private static final int BININT = 'J', BININT1 = 'K', BININT2 = 'M', BINFLOAT = 'G';
    private static final int BINSTRING = 'T', SHORT_BINSTRING = 'U', BINUNICODE = 'X';
    private static final int BINBYTES = 'B', SHORT_BINBYTES = 'C';
    private static final int EMPTY_TUPLE = ')', TUPLE = 't', EMPTY_LIST = ']', LIST = 'l', APPEND = 'a';
    private static final int APPENDS = 'e', EMPTY_DICT = '}', DICT = 'd', SETITEM = 's', SETITEMS = 'u';
    private static final int GLOBAL = 'c', REDUCE = 'R', BUILD = 'b', BINPERSID = 'Q';
    private static final int BINGET = 'h', LONG_BINGET = 'j', BINPUT = 'q', LONG_BINPUT = 'r';
    private static final int PROTO = 0x80, NEWOBJ = 0x81, TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87;
    private static final int NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b;
    private static final int SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e;
    private static final int EMPTY_SET = 0x8f, ADDITEMS = 0x90, FROZENSET = 0x91, STACK_GLOBAL = 0x93;
    private static final int MEMOIZE = 0x94, FRAME = 0x95;

    private final Path file;
    private final byte[] in;
    private final TensorSource source;
    private final ArrayList<Object> stack = new ArrayList<>();
    private int[] marks = new int[16];
    private int markCount;
    private final HashMap<Long, Object> memo = new HashMap<>();
    /** Every hashable tuple built so far, by its items: equal tuples are one object (see {@link Tuple}). */
    private final HashMap<Tuple, Tuple> tuples = new HashMap<>();
    private int pos;
    private int opStart;

    private SafeUnpickler(Path file, byte[] pickle, TensorSource source) {
        this.file = file;
        this.in = pickle;
        this.source = source;
    }

    /**
     * Reads one pickled object.
     *
     * @param file named in error messages only
     * @param source resolves persistent ids and builds tensors; may be {@code null} for pickles without any
     */
    static Object load(Path file, byte[] pickle, TensorSource source) {
        if (pickle.length > MAX_PICKLE_BYTES) {
            throw new CheckpointFormatException(file, "pickle of " + pickle.length + " bytes exceeds the limit of "
                    + MAX_PICKLE_BYTES + " bytes");
        }
        return new SafeUnpickler(file, pickle, source).run();
    }

    private Object run() {
        while (true) {
            opStart = pos;
            int op = u8();
            switch (op) {
                case PROTO -> {
                    int proto = u8();
                    if (proto < 2 || proto > 5) {
                        throw fail("unsupported pickle protocol " + proto);
                    }
                }
                case FRAME -> length(8); // frames are only a read-ahead hint; the opcodes follow inline
                case STOP -> {
                    if (stack.size() != 1 || markCount != 0) {
                        throw fail("STOP with " + stack.size() + " stack items and " + markCount + " open marks");
                    }
                    return stack.get(0);
                }
                case MARK -> pushMark();
                case POP -> {
                    if (markCount > 0 && marks[markCount - 1] == stack.size()) {
                        popMark(); // CPython: POP right after MARK discards the mark
                    } else {
                        pop();
                    }
                }
                case POP_MARK -> popMark();
                case DUP -> push(peek());
                case NONE -> push(null);
                case NEWTRUE -> push(Boolean.TRUE);
                case NEWFALSE -> push(Boolean.FALSE);
                case BININT -> push((long) le(4));
                case BININT1 -> push((long) u8());
                case BININT2 -> push((long) (le(2) & 0xffff));
                case LONG1 -> push(bigLong(u8()));
                case LONG4 -> push(bigLong(length(4)));
                case BINFLOAT -> push(Double.longBitsToDouble(be8()));
                case SHORT_BINUNICODE -> push(utf8(u8()));
                case BINUNICODE -> push(utf8(length(4)));
                case BINUNICODE8 -> push(utf8(length(8)));
                // Python 2 str; torch.load decodes these as UTF-8 by default.
                case SHORT_BINSTRING -> push(utf8(u8()));
                case BINSTRING -> push(utf8(length(4)));
                case SHORT_BINBYTES -> push(bytes(u8()));
                case BINBYTES -> push(bytes(length(4)));
                case BINBYTES8 -> push(bytes(length(8)));
                case EMPTY_TUPLE -> push(newTuple(List.of()));
                case TUPLE -> push(newTuple(popMark()));
                case TUPLE1, TUPLE2, TUPLE3 -> push(newTuple(popN(op - TUPLE1 + 1)));
                case EMPTY_LIST -> push(new ArrayList<>());
                case LIST -> push(new ArrayList<>(popMark()));
                case APPEND -> {
                    Object item = pop();
                    list(peek(), "APPEND").add(item);
                }
                case APPENDS -> {
                    List<Object> items = popMark();
                    list(peek(), "APPENDS").addAll(items);
                }
                case EMPTY_DICT -> push(new LinkedHashMap<>());
                case DICT -> {
                    Map<Object, Object> d = new LinkedHashMap<>();
                    putPairs(d, popMark());
                    push(d);
                }
                case SETITEM -> {
                    Object value = pop();
                    Object key = pop();
                    dict(peek(), "SETITEM").put(hashable(key, "dict key"), value);
                }
                case SETITEMS -> {
                    List<Object> kv = popMark();
                    putPairs(dict(peek(), "SETITEMS"), kv);
                }
                case EMPTY_SET -> push(new LinkedHashSet<>());
                case ADDITEMS -> {
                    List<Object> items = popMark();
                    Set<Object> s = set(peek());
                    for (Object item : items) {
                        s.add(hashable(item, "set element"));
                    }
                }
                case FROZENSET -> push(frozenSet(popMark()));
                case GLOBAL -> {
                    String module = line();
                    String name = line();
                    push(resolve(module, name));
                }
                case STACK_GLOBAL -> {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw fail("STACK_GLOBAL needs two strings, got " + typeName(module) + " and "
                                + typeName(name));
                    }
                    push(resolve(m, n));
                }
                case REDUCE -> {
                    Object args = pop();
                    Object callable = pop();
                    push(call(callable, tuple(args, "REDUCE arguments"), "REDUCE"));
                }
                case NEWOBJ -> {
                    Object args = pop();
                    Object cls = pop();
                    if (cls != Callable.ORDERED_DICT && cls != Callable.SET && cls != Callable.FROZENSET) {
                        throw fail("NEWOBJ on " + typeName(cls) + " (only container classes can be instantiated)");
                    }
                    push(call(cls, tuple(args, "NEWOBJ arguments"), "NEWOBJ"));
                }
                case BUILD -> build(pop(), peek());
                case BINPUT -> put(u8());
                case LONG_BINPUT -> put(le(4) & 0xffffffffL);
                case MEMOIZE -> put(memo.size());
                case BINGET -> push(get(u8()));
                case LONG_BINGET -> push(get(le(4) & 0xffffffffL));
                case BINPERSID -> {
                    Object pid = pop();
                    if (source == null) {
                        throw fail("persistent id found but no storage is available");
                    }
                    push(source.persistentLoad(pid));
                }
                default -> throw new CheckpointFormatException(file, String.format(
                        "unsupported pickle opcode 0x%02x%s at offset %d", op, printable(op), opStart));
            }
        }
    }

    // ------------------------------------------------------------------ globals and calls

    /** The allow-list check: refuses before anything could be looked up or called. */
    private Object resolve(String module, String name) {
        // Protocol 2 writes Python 2 module names; map them like Python's fix_imports does.
        String mod = switch (module) {
            case "__builtin__" -> "builtins";
            case "copy_reg" -> "copyreg";
            default -> module;
        };
        String global = mod + "." + name;
        Object allowed = ALLOWED.get(global);
        if (allowed != null) {
            return allowed;
        }
        if (mod.equals("torch") && name.endsWith("Storage") && name.matches("[A-Za-z0-9]+")) {
            throw new CheckpointFormatException(file, "tensor storage type " + global
                    + " is not supported (supported: float, half, bfloat16, double, long, int, short, char, byte,"
                    + " bool)");
        }
        throw new UnsafeCheckpointException(file, global);
    }

    private Object call(Object callable, List<Object> args, String opcode) {
        if (!(callable instanceof Callable c)) {
            throw fail(opcode + " on " + typeName(callable) + ", which is not callable");
        }
        return switch (c) {
            case ORDERED_DICT -> {
                arity(args, 0, 1, "OrderedDict");
                Map<Object, Object> d = new LinkedHashMap<>();
                if (args.size() == 1) {
                    fillDict(d, args.get(0));
                }
                yield d;
            }
            case SET, FROZENSET -> {
                arity(args, 0, 1, c == Callable.SET ? "set" : "frozenset");
                List<Object> items = args.isEmpty() ? List.of() : iterable(args.get(0));
                Set<Object> s = new LinkedHashSet<>();
                for (Object item : items) {
                    s.add(hashable(item, "set element"));
                }
                yield c == Callable.SET ? s : Collections.unmodifiableSet(s);
            }
            case BYTES -> {
                arity(args, 0, 0, "bytes");
                yield new byte[0];
            }
            case CODECS_ENCODE -> {
                arity(args, 2, 2, "_codecs.encode");
                yield latin1(args.get(0), args.get(1));
            }
            case REBUILD_TENSOR -> {
                arity(args, 4, 4, "_rebuild_tensor");
                yield tensor(args);
            }
            case REBUILD_TENSOR_V2 -> {
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                arity(args, 6, 7, "_rebuild_tensor_v2");
                yield tensor(args);
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                // (data, requires_grad, backward_hooks[, state]): an nn.Parameter is just its tensor here.
                int n = c == Callable.REBUILD_PARAMETER ? 3 : 4;
                arity(args, n, n, "_rebuild_parameter");
                if (!(args.get(0) instanceof RawTensor t)) {
                    throw fail("_rebuild_parameter needs a tensor, got " + typeName(args.get(0)));
                }
                yield t;
            }
        };
    }

    /** The only encoding protocol 2 uses for bytes; anything else is not a bytes literal. */
    private byte[] latin1(Object text, Object encoding) {
        if (!(text instanceof String str) || !("latin1".equals(encoding) || "latin-1".equals(encoding))) {
            throw fail("_codecs.encode is only accepted as encode(str, 'latin1')");
        }
        byte[] out = new byte[str.length()];
        for (int i = 0; i < out.length; i++) {
            char c = str.charAt(i);
            if (c > 0xff) {
                throw fail("_codecs.encode: character U+" + Integer.toHexString(c) + " is not latin-1");
            }
            out[i] = (byte) c;
        }
        return out;
    }

    private RawTensor tensor(List<Object> args) {
        if (source == null) {
            throw fail("tensor found but no storage is available");
        }
        long offset = nonNegative(args.get(1), "storage offset");
        long[] size = longs(args.get(2), "size");
        long[] stride = longs(args.get(3), "stride");
        if (size.length != stride.length) {
            throw fail("tensor size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride)
                    + " differ in length");
        }
        return source.rebuildTensor(args.get(0), offset, size, stride);
    }

    /** BUILD sets instance state; the only legitimate targets here carry no weights in it. */
    private void build(Object state, Object target) {
        if (target instanceof Map || target instanceof RawTensor) {
            return; // e.g. OrderedDict._metadata (per-module versions) from nn.Module.state_dict()
        }
        throw fail("BUILD on " + typeName(target) + " is not supported");
    }

    // ------------------------------------------------------------------ containers

    private void putPairs(Map<Object, Object> d, List<Object> kv) {
        if (kv.size() % 2 != 0) {
            throw fail("odd number of items (" + kv.size() + ") for a dict");
        }
        for (int i = 0; i < kv.size(); i += 2) {
            d.put(hashable(kv.get(i), "dict key"), kv.get(i + 1));
        }
    }

    private void fillDict(Map<Object, Object> d, Object init) {
        if (init instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                d.put(e.getKey(), e.getValue());
            }
            return;
        }
        for (Object pair : iterable(init)) {
            if (!(pair instanceof List<?> p) || p.size() != 2) {
                throw fail("OrderedDict items must be pairs, got " + typeName(pair));
            }
            d.put(hashable(p.get(0), "dict key"), p.get(1));
        }
    }

    private Set<Object> frozenSet(List<Object> items) {
        Set<Object> s = new LinkedHashSet<>();
        for (Object item : items) {
            s.add(hashable(item, "set element"));
        }
        return Collections.unmodifiableSet(s);
    }

    /**
     * Python only allows hashable keys: scalars, bytes, tensors and tuples of those. Whether a tuple is
     * hashable is decided once, when it is built, so this check costs the same for any nesting.
     */
    private Object hashable(Object key, String what) {
        if (!isHashable(key)) {
            throw fail(what + " of type " + typeName(key) + " is not hashable");
        }
        return key;
    }

    private static boolean isHashable(Object o) {
        return o == null || o instanceof String || o instanceof Long || o instanceof BigInteger
                || o instanceof Double || o instanceof Boolean || o instanceof byte[] || o instanceof RawTensor
                || o instanceof Tuple t && t.hashable;
    }

    /**
     * A tuple of {@code items}; a hashable one is interned, so that structurally equal tuples are the same
     * object and comparing two of them never walks their contents.
     */
    private Tuple newTuple(List<Object> items) {
        Tuple t = new Tuple(items.toArray());
        if (!t.hashable) {
            return t;
        }
        Tuple seen = tuples.putIfAbsent(t, t);
        return seen != null ? seen : t;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, String opcode) {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw fail(opcode + " on " + typeName(o) + " (expected a list)");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, String opcode) {
        if (o instanceof LinkedHashMap<?, ?> d) {
            return (Map<Object, Object>) d;
        }
        throw fail(opcode + " on " + typeName(o) + " (expected a dict)");
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object o) {
        if (o instanceof LinkedHashSet<?> s) {
            return (Set<Object>) s;
        }
        throw fail("ADDITEMS on " + typeName(o) + " (expected a set)");
    }

    private List<Object> tuple(Object o, String what) {
        if (o instanceof Tuple t) {
            return t;
        }
        throw fail(what + " must be a tuple, got " + typeName(o));
    }

    private List<Object> iterable(Object o) {
        if (o instanceof List<?> || o instanceof Set<?>) {
            return new ArrayList<>((Collection<?>) o);
        }
        throw fail("expected a list, tuple or set, got " + typeName(o));
    }

    private void arity(List<Object> args, int min, int max, String fn) {
        if (args.size() < min || args.size() > max) {
            throw fail(fn + " called with " + args.size() + " arguments (expected "
                    + (min == max ? min : min + " to " + max) + ")");
        }
    }

    private long nonNegative(Object o, String what) {
        if (o instanceof Long v && v >= 0) {
            return v;
        }
        throw fail("tensor " + what + " must be a non-negative int, got " + (o instanceof Long ? o : typeName(o)));
    }

    private long[] longs(Object o, String what) {
        List<Object> items = tuple(o, "tensor " + what);
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = nonNegative(items.get(i), what);
        }
        return out;
    }

    // ------------------------------------------------------------------ stack, marks, memo

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) {
            throw fail("pickle stack exceeds " + MAX_STACK + " items");
        }
        stack.add(o);
    }

    private Object pop() {
        if (stack.size() <= floor()) {
            throw fail("pop from an empty stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.size() <= floor()) {
            throw fail("stack is empty");
        }
        return stack.get(stack.size() - 1);
    }

    /** Items below the innermost mark belong to an enclosing frame and cannot be popped singly. */
    private int floor() {
        return markCount == 0 ? 0 : marks[markCount - 1];
    }

    private List<Object> popN(int n) {
        if (stack.size() - floor() < n) {
            throw fail("stack holds fewer than " + n + " items");
        }
        List<Object> top = stack.subList(stack.size() - n, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private void pushMark() {
        if (markCount == marks.length) {
            if (markCount >= MAX_STACK) {
                throw fail("too many nested marks");
            }
            marks = Arrays.copyOf(marks, markCount * 2);
        }
        marks[markCount++] = stack.size();
    }

    private List<Object> popMark() {
        if (markCount == 0) {
            throw fail("no MARK on the stack");
        }
        int from = marks[--markCount];
        List<Object> top = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private void put(long index) {
        if (!memo.containsKey(index) && memo.size() >= MAX_MEMO) {
            throw fail("pickle memo exceeds " + MAX_MEMO + " entries");
        }
        memo.put(index, peek());
    }

    private Object get(long index) {
        if (!memo.containsKey(index)) {
            throw fail("memo index " + index + " was never stored");
        }
        return memo.get(index);
    }

    // ------------------------------------------------------------------ primitive reads

    private void need(long n) {
        if (n > in.length - pos) {
            throw new CheckpointFormatException(file, "truncated pickle at offset " + pos + " (opcode at offset "
                    + opStart + " needs " + n + " more bytes, " + (in.length - pos) + " left)");
        }
    }

    private int u8() {
        need(1);
        return in[pos++] & 0xff;
    }

    /** A little-endian signed integer of {@code n <= 4} bytes. */
    private int le(int n) {
        need(n);
        int v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (in[pos + i] & 0xff);
        }
        pos += n;
        return v;
    }

    private long be8() {
        need(8);
        long v = ByteBuffer.wrap(in, pos, 8).order(ByteOrder.BIG_ENDIAN).getLong();
        pos += 8;
        return v;
    }

    /** A length field of 4 or 8 little-endian bytes, checked against the bytes that remain. */
    private int length(int width) {
        need(width);
        long n = 0;
        for (int i = width - 1; i >= 0; i--) {
            n = (n << 8) | (in[pos + i] & 0xff);
        }
        pos += width;
        if (n < 0 || n > in.length - pos) {
            throw new CheckpointFormatException(file, "truncated pickle at offset " + pos + " (opcode at offset "
                    + opStart + " declares " + Long.toUnsignedString(n) + " bytes, " + (in.length - pos)
                    + " left)");
        }
        return (int) n;
    }

    private Object bigLong(int n) {
        if (n > MAX_LONG_BYTES) {
            throw fail("integer of " + n + " bytes exceeds the limit of " + MAX_LONG_BYTES);
        }
        need(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = in[pos + n - 1 - i]; // two's complement, little-endian on disk
        }
        pos += n;
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String utf8(int n) {
        need(n);
        String s = new String(in, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    private byte[] bytes(int n) {
        need(n);
        byte[] b = Arrays.copyOfRange(in, pos, pos + n);
        pos += n;
        return b;
    }

    /** A newline-terminated ASCII line (GLOBAL's module and name). */
    private String line() {
        int start = pos;
        while (true) {
            int b = u8();
            if (b == '\n') {
                return new String(in, start, pos - 1 - start, StandardCharsets.UTF_8);
            }
            if (pos - start > MAX_GLOBAL_NAME) {
                throw fail("GLOBAL name longer than " + MAX_GLOBAL_NAME + " bytes");
            }
        }
    }

    // ------------------------------------------------------------------ errors

    private CheckpointFormatException fail(String problem) {
        return new CheckpointFormatException(file, "bad pickle at offset " + opStart + ": " + problem);
    }

    /** Type names only: never print pickled values, which may be huge or cyclic. */
    private static String typeName(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Tuple) {
            return "tuple";
        }
        if (o instanceof Callable c) {
            return "global " + c.name().toLowerCase();
        }
        if (o instanceof StorageType s) {
            return "storage type " + s.name();
        }
        return o.getClass().getSimpleName();
    }

    private static String printable(int op) {
        return op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : "";
    }

    /**
     * Python tuple: immutable and null-permitting.
     *
     * <p>Equality and hashing are shallow, so that they take time proportional to the tuple's own length. A
     * pickle's memo lets a file build {@code t1 = (t0, t0)}, {@code t2 = (t1, t1)}, ...: a tuple whose
     * expansion is exponential in the file size, and {@link AbstractList}'s hashCode, equals and toString
     * walk the whole expansion. Here the hash is computed once from the items' (already computed) hashes;
     * hashable tuples are interned by {@link #newTuple}, so two of them are equal exactly when they are the
     * same object, and items that are tuples are compared by identity; other tuples (holding a list, say)
     * are equal only to themselves, like Python objects without structural equality. toString is bounded.
     * Equality with a {@link List} that is not a Tuple follows {@link AbstractList} (for callers' tests).
     */
    static final class Tuple extends AbstractList<Object> implements RandomAccess {
        private static final int MAX_TEXT = 200;
        private final Object[] items;
        final boolean hashable;
        private final int hash;

        Tuple(Object[] items) {
            this.items = items;
            boolean h = true;
            int code = 1;
            for (Object o : items) {
                boolean itemHashable = isHashable(o);
                h &= itemHashable;
                code = 31 * code + (o == null ? 0 : itemHashable && !(o instanceof byte[]) ? o.hashCode()
                        : System.identityHashCode(o));
            }
            this.hashable = h;
            this.hash = code;
        }

        @Override
        public Object get(int index) {
            return items[index];
        }

        @Override
        public int size() {
            return items.length;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Tuple t)) {
                return o instanceof List<?> && super.equals(o);
            }
            if (!hashable || !t.hashable || hash != t.hash || items.length != t.items.length) {
                return false;
            }
            for (int i = 0; i < items.length; i++) {
                Object a = items[i];
                Object b = t.items[i];
                if (a instanceof Tuple || b instanceof Tuple ? a != b : !java.util.Objects.equals(a, b)) {
                    return false;
                }
            }
            return true;
        }

        /** Python's repr, cut at {@value #MAX_TEXT} characters. */
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            append(b, this);
            return b.length() > MAX_TEXT ? b.substring(0, MAX_TEXT) + "...)" : b.toString();
        }

        private static void append(StringBuilder b, Object o) {
            if (b.length() > MAX_TEXT) {
                return;
            }
            if (!(o instanceof Tuple t)) {
                String s = o instanceof String str ? "'" + str + "'" : o == null ? "None" : typeOrValue(o);
                b.append(s, 0, Math.min(s.length(), MAX_TEXT + 1));
                return;
            }
            b.append('(');
            for (int i = 0; i < t.items.length && b.length() <= MAX_TEXT; i++) {
                if (i > 0) {
                    b.append(", ");
                }
                append(b, t.items[i]);
            }
            b.append(t.items.length == 1 ? ",)" : ")");
        }

        /** Numbers and booleans as Python prints them; containers by type only (they may be cyclic). */
        private static String typeOrValue(Object o) {
            if (o instanceof Long || o instanceof BigInteger || o instanceof Double) {
                return o.toString();
            }
            if (o instanceof Boolean v) {
                return v ? "True" : "False";
            }
            return "<" + typeName(o) + ">";
        }
    }
}
