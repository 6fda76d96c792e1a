package dev.vptlab.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The text of a split file (VTAB-1K's {@code .txt} lists, FGVC's JSON), read as strict UTF-8: a byte that
 * is not UTF-8 fails naming the file and its line, instead of a decoder message without either. A leading
 * UTF-8 byte-order mark (what Windows editors add) is accepted and skipped: it can never be part of a path,
 * and Python's {@code open(..., encoding="utf-8-sig")} does the same.
 */
final class SplitText {
    /** Split files are lists of paths (VTAB's largest test list is about 3 MB); this bounds what is read. */
    static final long MAX_BYTES = 256L << 20;

    private SplitText() {}

    static String read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file, "split file not found");
        }
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new DatasetException(file, "split file is " + size + " bytes, more than the " + MAX_BYTES
                        + " a list of images can plausibly need");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DatasetException(file, "cannot read split file: " + e.getMessage(), e);
        }
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new DatasetException(file, line, String.format("not UTF-8 text: byte 0x%02X at byte %d of the line;"
                    + " save the file as UTF-8", bytes[at] & 0xff, at - lineStart + 1));
        }
        d.flush(out);
        return out.flip().toString();
    }
}
