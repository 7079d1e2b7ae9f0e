package org.lcl.torch.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.lcl.torch.serialization.Tensors.range;
import static org.lcl.torch.serialization.Tensors.tensor;
import static org.lcl.torch.serialization.Tensors.values;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * {@link Safetensors} against the format: round trips, files checked by an independent Python reader and
 * compared byte for byte with a Python re-implementation of the reference writer (Debian packages no
 * {@code safetensors} library; {@code ST_PY} implements the format from its specification with struct, json and
 * torch), Python-written files read here, and malformed files.
 */
class SafetensorsTest {

    /** A reader and a writer of the format in Python, independent of the Java code, and the shared fixture. */
    private static final String ST_PY = """
            import collections, json, math, struct, sys, torch

            DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
                      "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
                      "U8": torch.uint8, "BOOL": torch.bool}
            NAMES = {v: k for k, v in DTYPES.items()}
            # Position in the reference implementation's Dtype enum (increasing alignment); its writer sorts by it.
            RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 5, "F16": 7, "BF16": 8, "I32": 9, "F32": 11, "F64": 12,
                    "I64": 13}

            def check(cond, what):
                if not cond:
                    raise SystemExit("FAIL: " + str(what))

            def no_dups(pairs):
                keys = [k for k, _ in pairs]
                check(len(keys) == len(set(keys)), "duplicate keys " + str(keys))
                return collections.OrderedDict(pairs)

            def st_load(path):
                raw = open(path, "rb").read()
                (n,) = struct.unpack("<Q", raw[:8])
                check(n % 8 == 0 and 8 + n <= len(raw), "header length " + str(n))
                text = raw[8:8 + n].decode("utf-8")
                check(text.startswith("{"), "header start")
                header = json.loads(text, object_pairs_hook=no_dups)
                data = raw[8 + n:]
                meta = header.pop("__metadata__", None)
                out, spans = collections.OrderedDict(), []
                for k, info in header.items():
                    check(list(info) == ["dtype", "shape", "data_offsets"], k + " fields " + str(list(info)))
                    dt = DTYPES[info["dtype"]]
                    shape, (b, e) = info["shape"], info["data_offsets"]
                    size = torch.empty((), dtype=dt).element_size()
                    check(e - b == math.prod(shape) * size, k + " offsets vs shape")
                    check((8 + n + b) % size == 0, k + " is not aligned")
                    spans.append((b, e))
                    out[k] = torch.empty(shape, dtype=dt) if e == b else \\
                        torch.frombuffer(bytearray(data[b:e]), dtype=dt).reshape(shape)
                pos = 0
                for b, e in sorted(spans):
                    check(b == pos, "gap or overlap at " + str(b))
                    pos = e
                check(pos == len(data), "trailing data")
                return out, meta

            def st_bytes(tensors, metadata=None):
                # The reference writer: decreasing dtype alignment, then name (UTF-8 bytes); compact JSON with the
                # metadata first; header padded with spaces to a multiple of 8.
                items = sorted(tensors.items(), key=lambda kv: (-RANK[NAMES[kv[1].dtype]], kv[0].encode("utf-8")))
                header, blobs, offset = collections.OrderedDict(), [], 0
                if metadata:
                    header["__metadata__"] = metadata
                for k, t in items:
                    blob = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
                    header[k] = {"dtype": NAMES[t.dtype], "shape": list(t.shape),
                                 "data_offsets": [offset, offset + len(blob)]}
                    offset += len(blob)
                    blobs.append(blob)
                h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
                h += b" " * ((8 - len(h) % 8) % 8)
                return struct.pack("<Q", len(h)) + h + b"".join(blobs)

            def ar(n, scale, shift, dtype):
                return (torch.arange(n, dtype=torch.float64) * scale + shift).to(dtype)

            def fixture():
                t = collections.OrderedDict()
                t["w"] = ar(6, 0.25, -0.5, torch.float32).reshape(2, 3)
                t["wt"] = t["w"].t()
                t["d"] = ar(3, 0.125, -1, torch.float64)
                t["h"] = ar(4, 0.5, -1, torch.float16).reshape(2, 2)
                t["bf"] = ar(4, 0.5, -1, torch.bfloat16)
                t["i64"] = ar(4, 1099511627776.0, -3, torch.int64).reshape(2, 2)
                t["i32"] = ar(3, 100000, -100000, torch.int32)
                t["i16"] = ar(2, 600, -300, torch.int16)
                t["i8"] = torch.tensor([-128, 0, 127], dtype=torch.int8)
                t["u8"] = torch.tensor([0, 128, 255], dtype=torch.uint8)
                t["mask"] = torch.tensor([True, False, True, True])
                t["scalar"] = torch.tensor(3.5)
                t["empty"] = torch.zeros(0)
                t["empty2"] = torch.zeros(2, 0, 3, dtype=torch.int64)
                t["\\u00fc.name"] = torch.tensor([1.5], dtype=torch.float16)
                t['we"ird\\\\na\\nme'] = torch.tensor([7], dtype=torch.uint8)
                return t

            METADATA = collections.OrderedDict([("format", "pt"), ("note", "\\u00fcn\\u00efcode \\"quoted\\"\\n"),
                                                ("empty", "")])
            ORDER = ["empty2", "i64", "d", "empty", "scalar", "w", "wt", "i32", "bf", "h", "\\u00fc.name", "i16", "i8",
                     "u8", 'we"ird\\\\na\\nme', "mask"]

            def check_fixture(got, what):
                want = fixture()
                check(sorted(got) == sorted(want), what + " keys " + str(list(got)))
                for k, e in want.items():
                    g = got[k]
                    check(g.dtype == e.dtype and g.shape == e.shape, f"{what}[{k}]: {g.dtype} {g.shape}")
                    check(torch.equal(g, e), f"{what}[{k}] = {g}, expected {e}")
            """;

    /** The fixture of ST_PY, built here. */
    private static Map<String, HostTensor> fixture() {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        HostTensor w = tensor(DType.FLOAT32, new long[] {2, 3}, range(6, 0.25, -0.5));
        t.put("w", w);
        t.put("wt", new HostTensor(DType.FLOAT32, new long[] {3, 2}, new long[] {1, 3}, 0, w.storage(), "cpu", false));
        t.put("d", tensor(DType.FLOAT64, new long[] {3}, range(3, 0.125, -1)));
        t.put("h", tensor(DType.FLOAT16, new long[] {2, 2}, range(4, 0.5, -1)));
        t.put("bf", tensor(DType.BFLOAT16, new long[] {4}, range(4, 0.5, -1)));
        t.put("i64", tensor(DType.INT64, new long[] {2, 2}, range(4, 1099511627776.0, -3)));
        t.put("i32", tensor(DType.INT32, new long[] {3}, range(3, 100000, -100000)));
        t.put("i16", tensor(DType.INT16, new long[] {2}, range(2, 600, -300)));
        t.put("i8", tensor(DType.INT8, new long[] {3}, -128, 0, 127));
        t.put("u8", tensor(DType.UINT8, new long[] {3}, 0, 128, 255));
        t.put("mask", tensor(DType.BOOL, new long[] {4}, 1, 0, 1, 1));
        t.put("scalar", tensor(DType.FLOAT32, new long[] {}, 3.5));
        t.put("empty", tensor(DType.FLOAT32, new long[] {0}));
        t.put("empty2", tensor(DType.INT64, new long[] {2, 0, 3}));
        t.put("\u00fc.name", tensor(DType.FLOAT16, new long[] {1}, 1.5));
        t.put("we\"ird\\na\nme", tensor(DType.UINT8, new long[] {1}, 7));
        return t;
    }

    private static Map<String, String> metadataFixture() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt");
        m.put("note", "\u00fcn\u00efcode \"quoted\"\n");
        m.put("empty", "");
        return m;
    }

    /** The reference writer's order: decreasing dtype alignment, then name. */
    private static final List<String> ORDER = List.of("empty2", "i64", "d", "empty", "scalar", "w", "wt", "i32",
            "bf", "h", "\u00fc.name", "i16", "i8", "u8", "we\"ird\\na\nme", "mask");

    @TempDir
    Path dir;

    private static void assertSameTensors(Map<String, HostTensor> want, Map<String, HostTensor> got) {
        assertEquals(want.keySet(), got.keySet());
        for (var e : want.entrySet()) {
            HostTensor g = got.get(e.getKey());
            HostTensor w = e.getValue();
            assertEquals(w.dtype(), g.dtype(), e.getKey());
            assertArrayEquals(w.shape(), g.shape(), e.getKey());
            assertArrayEquals(values(w), values(g), e.getKey());
        }
    }

    // ---- Java round trip ------------------------------------------------------------------------

    @Test
    void roundTripAllDtypesWithMetadata() throws Exception {
        Path file = dir.resolve("all.safetensors");
        Safetensors.write(fixture(), metadataFixture(), file);
        Map<String, HostTensor> read = Safetensors.read(file);
        assertSameTensors(fixture(), read);
        assertEquals(ORDER, List.copyOf(read.keySet()));
        assertEquals(metadataFixture(), Safetensors.metadata(file));
        assertEquals(List.copyOf(metadataFixture().keySet()), List.copyOf(Safetensors.metadata(file).keySet()));
        for (var e : read.entrySet()) {
            HostTensor t = e.getValue();
            assertTrue(t.isContiguous() && t.storageOffset() == 0 && t.device().equals("cpu"), e.getKey());
            if (t.numel() > 0) {
                // Zero-copy: a read-only slice of the mapping, aligned to its element size.
                assertTrue(t.storage().isDirect() && t.storage().isReadOnly(), e.getKey());
                assertEquals(0, MemorySegment.ofBuffer(t.storage()).address() % t.dtype().elementSize(), e.getKey());
            }
        }
        // Equal inputs give identical files.
        Path again = dir.resolve("again.safetensors");
        Safetensors.write(read, metadataFixture(), again);
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(again));
    }

    @Test
    void referenceWriterBytes() throws Exception {
        // The reference implementation's own serialization tests, rebuilt: compact JSON, padding with spaces.
        Path file = dir.resolve("attn.safetensors");
        Safetensors.write(Map.of("attn.0", tensor(DType.FLOAT32, new long[] {1, 2, 3}, range(6, 1, 0))), null, file);
        String header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        assertEquals(64, header.length());
        ByteBuffer want = ByteBuffer.allocate(8 + 64 + 24).order(ByteOrder.LITTLE_ENDIAN);
        want.putLong(64).put(header.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 6; i++) {
            want.putFloat(i);
        }
        assertArrayEquals(want.array(), Files.readAllBytes(file));

        Safetensors.write(Map.of(), null, file);
        assertArrayEquals("\b\0\0\0\0\0\0\0{}      ".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(file));
        assertEquals(Map.of(), Safetensors.read(file));
        assertEquals(Map.of(), Safetensors.metadata(file));

        Safetensors.write(Map.of(), Map.of("framework", "pt"), file);
        assertArrayEquals(("(\0\0\0\0\0\0\0{\"__metadata__\":{\"framework\":\"pt\"}}     ")
                .getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(file));
        assertEquals(Map.of("framework", "pt"), Safetensors.metadata(file));
    }

    @Test
    void readKeepsHeaderOrderAndAcceptsOtherWriters() throws Exception {
        // Pretty-printed, fields in another order, metadata last, tensors neither in offset nor name order.
        String header = """
                {
                  "z": {"data_offsets": [8, 12], "shape": [1], "dtype": "F32"},
                  "a": {"shape": [2], "dtype": "I32", "data_offsets": [0, 8]},
                  "m": {"dtype": "U8", "shape": [0], "data_offsets": [12, 12]},
                  "__metadata__": {"b": "2", "a": "1"}
                }""";
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(-1).putInt(7).putFloat(2.5f);
        Path file = raw("other.safetensors", header, data.array());
        Map<String, HostTensor> read = Safetensors.read(file);
        assertEquals(List.of("z", "a", "m"), List.copyOf(read.keySet()));
        assertArrayEquals(new double[] {2.5}, values(read.get("z")));
        assertArrayEquals(new double[] {-1, 7}, values(read.get("a")));
        assertEquals(0, read.get("m").numel());
        assertEquals(List.of("b", "a"), List.copyOf(Safetensors.metadata(file).keySet()));
    }

    @Test
    void writeIsAtomicAndValidatesInput() throws Exception {
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(fixture(), null, file);
        byte[] before = Files.readAllBytes(file);
        Map<String, HostTensor> mapped = Safetensors.read(file);

        Map<String, HostTensor> reserved = new LinkedHashMap<>(fixture());
        reserved.put("__metadata__", tensor(DType.FLOAT32, new long[] {1}, 1));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(reserved, null, file));
        Map<String, HostTensor> nullTensor = new LinkedHashMap<>();
        nullTensor.put("x", null);
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(nullTensor, null, file));
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(Map.of(), nullValue, file));
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(Map.of("\ud800", tensor(DType.UINT8, new long[] {1}, 1)), null, file));
        assertArrayEquals(before, Files.readAllBytes(file));

        // Replacing a file whose tensors are mapped leaves them intact: the old file is renamed over, not rewritten.
        Safetensors.write(Map.of("x", tensor(DType.INT64, new long[] {1}, 5)), Map.of("v", "2"), file);
        assertSameTensors(fixture(), mapped);
        assertArrayEquals(new double[] {5}, values(Safetensors.read(file).get("x")));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    // ---- Python interop -------------------------------------------------------------------------

    @Test
    void javaFileReadByPythonAndEqualToReferenceWriter() throws Exception {
        PythonTorch.assumeAvailable();
        Safetensors.write(fixture(), metadataFixture(), dir.resolve("java.safetensors"));
        Safetensors.write(fixture(), null, dir.resolve("plain.safetensors"));
        PythonTorch.Result r = PythonTorch.run(dir, ST_PY + """
                d = sys.argv[1]
                got, meta = st_load(d + "/java.safetensors")
                check_fixture(got, "java.safetensors")
                check(list(got) == ORDER, "order " + str(list(got)))
                check(meta == METADATA and list(meta) == list(METADATA), "metadata " + str(meta))
                check(open(d + "/java.safetensors", "rb").read() == st_bytes(fixture(), METADATA),
                      "java.safetensors differs from the reference writer's bytes")
                got, meta = st_load(d + "/plain.safetensors")
                check(meta is None, "metadata " + str(meta))
                check(open(d + "/plain.safetensors", "rb").read() == st_bytes(fixture()), "plain.safetensors bytes")
                print("OK")
                """, dir.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("OK"), r.output());
    }

    @Test
    void pythonFileReadByJava() throws Exception {
        PythonTorch.assumeAvailable();
        PythonTorch.Result r = PythonTorch.run(dir, ST_PY + """
                d = sys.argv[1]
                open(d + "/py.safetensors", "wb").write(st_bytes(fixture(), METADATA))
                print("OK")
                """, dir.toString());
        assertEquals(0, r.exitCode(), r.output());
        Path file = dir.resolve("py.safetensors");
        Map<String, HostTensor> read = Safetensors.read(file);
        assertSameTensors(fixture(), read);
        assertEquals(ORDER, List.copyOf(read.keySet()));
        assertEquals(metadataFixture(), Safetensors.metadata(file));
    }

    @Test
    void liveTensorsThroughTorch() throws Exception {
        PythonTorch.assumeAvailable();
        try (Scope s = Scope.open()) {
            Tensor w = Torch.arange(0, 12, 1, TensorOptions.of(DType.FLOAT32)).reshape(3, 4).div(8.0);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("proj", w.t());
            tensors.put("half", w.to(DType.BFLOAT16));
            tensors.put("mask", Torch.arange(4).lt(2.0));
            tensors.put("scale", Torch.scalar(2.5));
            Torch.saveSafetensors(tensors, Map.of("format", "pt"), dir.resolve("live.safetensors"));
        }
        PythonTorch.Result r = PythonTorch.run(dir, ST_PY + """
                d = sys.argv[1]
                got, meta = st_load(d + "/live.safetensors")
                w = torch.arange(12.).reshape(3, 4) / 8
                check(torch.equal(got["proj"], w.t()), got["proj"])
                check(torch.equal(got["half"], w.bfloat16()), got["half"])
                check(got["mask"].tolist() == [True, True, False, False], got["mask"])
                check(got["scale"].dim() == 0 and got["scale"].item() == 2.5, got["scale"])
                check(meta == {"format": "pt"}, meta)
                t = collections.OrderedDict()
                t["w"] = torch.arange(6, dtype=torch.float64).reshape(2, 3).t()
                t["b"] = torch.tensor([1, -2], dtype=torch.int32)
                t["m"] = torch.tensor([[True], [False]])
                open(d + "/py.safetensors", "wb").write(st_bytes(t))
                print("OK")
                """, dir.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("OK"), r.output());
        try (Scope s = Scope.open()) {
            Map<String, Tensor> got = Torch.loadSafetensors(dir.resolve("py.safetensors"), Device.CPU);
            assertEquals(List.of("w", "b", "m"), List.copyOf(got.keySet()));
            assertArrayEquals(new long[] {3, 2}, got.get("w").shape());
            assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, got.get("w").toDoubleArray());
            assertEquals(DType.INT32, got.get("b").dtype());
            assertArrayEquals(new int[] {1, -2}, got.get("b").toIntArray());
            assertEquals(DType.BOOL, got.get("m").dtype());
            assertArrayEquals(new long[] {2, 1}, got.get("m").shape());
            assertArrayEquals(new double[] {1, 0}, got.get("m").to(DType.FLOAT64).toDoubleArray());
            assertEquals(s, got.get("w").scope());
            // And back through Java alone.
            Torch.saveSafetensors(got, null, dir.resolve("again.safetensors"));
            Map<String, Tensor> again = Torch.loadSafetensors(dir.resolve("again.safetensors"), Device.CPU);
            for (String k : got.keySet()) {
                assertTrue(got.get(k).equal(again.get(k)), k);
            }
        }
    }

    // ---- malformed files ------------------------------------------------------------------------

    /** A file of the 8-byte length of {@code header}, {@code header} and {@code data}. */
    private Path raw(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return bytes(name, ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array());
    }

    private Path bytes(String name, byte[] content) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, content);
        return file;
    }

    private static TorchFormatException assertFailsNaming(Path file, String... fragments) {
        TorchFormatException e = assertThrows(TorchFormatException.class, () -> Safetensors.read(file));
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message mentions '" + f + "': " + e.getMessage());
        }
        TorchFormatException m = assertThrows(TorchFormatException.class, () -> Safetensors.metadata(file));
        assertEquals(e.getMessage(), m.getMessage());
        return e;
    }

    private static String one(String dtype, String shape, String offsets) {
        return "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}}";
    }

    @Test
    void truncatedAndOversizedHeaderLength() throws Exception {
        assertFailsNaming(bytes("empty.safetensors", new byte[0]), "truncated");
        assertFailsNaming(bytes("short.safetensors", new byte[] {8, 0, 0}), "truncated");
        byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(9).put("{}      ".getBytes())
                .array();
        assertFailsNaming(bytes("len.safetensors", huge), "header length 9 exceeds the file");
        byte[] negative = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array();
        assertFailsNaming(bytes("neg.safetensors", negative), "header length 18446744073709551615 exceeds the file");
        Path big = dir.resolve("big.safetensors");
        try (FileChannel ch = FileChannel.open(big, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Safetensors.MAX_HEADER_BYTES + 8));
            ch.write(ByteBuffer.wrap(new byte[] {' '}), Safetensors.MAX_HEADER_BYTES + 15); // sparse
        }
        assertFailsNaming(big, "exceeds the limit");
    }

    @Test
    void everyTruncationFails() throws Exception {
        Path cut = dir.resolve("cut.safetensors");
        Safetensors.write(fixture(), metadataFixture(), cut);
        try (FileChannel ch = FileChannel.open(cut, StandardOpenOption.WRITE)) {
            for (long length = ch.size() - 1; length >= 0; length--) {
                ch.truncate(length);
                assertFailsNaming(cut);
            }
        }
    }

    @Test
    void corruptedHeaderBytesFailCleanly() throws Exception {
        Path file = dir.resolve("bad.safetensors");
        Safetensors.write(fixture(), metadataFixture(), file);
        byte[] original = Files.readAllBytes(file);
        int headerEnd = 8 + (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        // Changing one file in place: rewriting thousands of files is slow on some file systems.
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (int i = 8; i < headerEnd; i++) {
                for (byte b : new byte[] {'"', '{', ',', '9', 'x', (byte) 0xC3, 0, original[i]}) {
                    ch.write(ByteBuffer.wrap(new byte[] {b}), i);
                    try {
                        Safetensors.read(file); // some changes keep the file valid (a digit in a name, a space)
                    } catch (TorchFormatException e) {
                        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
                    } catch (Exception e) {
                        fail("byte " + i + " := " + b + " threw " + e, e);
                    }
                }
            }
        }
        assertSameTensors(fixture(), Safetensors.read(file));
    }

    @Test
    void malformedJson() throws Exception {
        byte[] four = new byte[4];
        assertFailsNaming(raw("comma.safetensors", "{\"t\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4],}}",
                four), "malformed header JSON", "(in t)", "expected a string key");
        assertFailsNaming(raw("unterminated.safetensors", "{\"t", four), "malformed header JSON", "unterminated");
        assertFailsNaming(raw("open.safetensors", "{\"t\":{\"dtype\":\"U8\"", four), "malformed header JSON");
        assertFailsNaming(raw("comment.safetensors", "{/* */}", four), "malformed header JSON");
        assertFailsNaming(raw("after.safetensors", "{} {}", four), "malformed header JSON", "after the value");
        assertFailsNaming(raw("array.safetensors", "[]", four), "does not start with '{'");
        assertFailsNaming(raw("space.safetensors", " {}", four), "does not start with '{'");
        assertFailsNaming(raw("control.safetensors", "{\"a\nb\":{}}", four), "control character");
        assertFailsNaming(raw("surrogate.safetensors", "{\"\\ud800\":{}}", four), "lone surrogate");
        assertFailsNaming(raw("deep.safetensors", "{\"x\":" + "[".repeat(100) + "]".repeat(100) + "}", four),
                "nested deeper");
        assertFailsNaming(raw("bignum.safetensors", one("U8", "[99999999999999999999]", "[0,4]"), four),
                "out of range");
        Path utf8 = bytes("utf8.safetensors", ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(4)
                .put(new byte[] {'{', (byte) 0xFF, '}', ' '}).array());
        assertFailsNaming(utf8, "not valid UTF-8");
        assertFailsNaming(raw("dup.safetensors", "{\"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                + "\"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", four), "duplicate key \"t\"");
        assertFailsNaming(raw("dupfield.safetensors",
                "{\"t\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", four),
                "duplicate key \"dtype\"", "(in t)");
    }

    @Test
    void invalidEntries() throws Exception {
        byte[] four = new byte[4];
        assertFailsNaming(raw("dtype.safetensors", one("F9", "[4]", "[0,4]"), four), "tensor 't'", "unknown dtype 'F9'");
        assertFailsNaming(raw("fp8.safetensors", one("F8_E4M3", "[4]", "[0,4]"), four), "tensor 't'",
                "dtype F8_E4M3 is not supported");
        assertFailsNaming(raw("u32.safetensors", one("U32", "[1]", "[0,4]"), four), "dtype U32 is not supported");
        assertFailsNaming(raw("mismatch.safetensors", one("F32", "[2]", "[0,4]"), four), "tensor 't'",
                "hold 4 bytes, but shape [2] of F32 needs 8");
        assertFailsNaming(raw("beyond.safetensors", one("U8", "[8]", "[0,8]"), four), "tensor 't'",
                "exceed the 4 bytes of data");
        assertFailsNaming(raw("reversed.safetensors", one("U8", "[4]", "[4,0]"), four), "end before they begin");
        assertFailsNaming(raw("neg.safetensors", one("U8", "[-4]", "[0,4]"), four), "tensor 't'", "non-negative");
        assertFailsNaming(raw("float.safetensors", one("U8", "[4.0]", "[0,4]"), four), "tensor 't'", "integers");
        assertFailsNaming(raw("three.safetensors", one("U8", "[4]", "[0,4,4]"), four), "array of 2");
        assertFailsNaming(raw("overflow.safetensors", one("U8", "[4294967296,4294967296]", "[0,4]"), four),
                "overflows");
        assertFailsNaming(raw("missing.safetensors", "{\"t\":{\"dtype\":\"U8\",\"shape\":[4]}}", four),
                "tensor 't'", "missing data_offsets");
        assertFailsNaming(raw("nodtype.safetensors", "{\"t\":{\"shape\":[4],\"data_offsets\":[0,4]}}", four),
                "tensor 't'", "missing dtype");
        assertFailsNaming(raw("numdtype.safetensors", one("1", "[4]", "[0,4]").replace("\"1\"", "1"), four),
                "tensor 't'", "dtype must be a string, got 1");
        assertFailsNaming(raw("extra.safetensors",
                "{\"t\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4],\"stride\":[1]}}", four),
                "tensor 't'", "unknown field 'stride'");
        assertFailsNaming(raw("notobj.safetensors", "{\"t\":[1]}", four), "tensor 't'", "expected an object");
        assertFailsNaming(raw("meta.safetensors", "{\"__metadata__\":{\"epoch\":3}}", new byte[0]),
                "__metadata__", "'epoch'");
        assertFailsNaming(raw("metaarr.safetensors", "{\"__metadata__\":[]}", new byte[0]), "__metadata__");
    }

    @Test
    void invalidLayout() throws Exception {
        String two = "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[%d,%d]}}";
        assertFailsNaming(raw("overlap.safetensors", two.formatted(2, 6), new byte[6]),
                "tensor 'b' (bytes [2, 6)) overlaps tensor 'a' (bytes [0, 4))");
        assertFailsNaming(raw("same.safetensors", two.formatted(0, 4), new byte[4]), "overlaps");
        assertFailsNaming(raw("gap.safetensors", two.formatted(6, 10), new byte[10]),
                "bytes [4, 6) of the data belong to no tensor", "tensor 'b'");
        assertFailsNaming(raw("trailing.safetensors", two.formatted(4, 8), new byte[9]),
                "the last 1 bytes of the file belong to no tensor");
        assertFailsNaming(raw("inside.safetensors",
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                        + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[2,2]}}", new byte[4]),
                "tensor 'e'", "overlaps tensor 'a'");
        // Empty tensors may share an offset, at a boundary.
        Path ok = raw("empties.safetensors",
                "{\"e1\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                        + "\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                        + "\"e2\":{\"dtype\":\"I64\",\"shape\":[3,0],\"data_offsets\":[4,4]}}", new byte[4]);
        assertEquals(List.of("e1", "a", "e2"), new ArrayList<>(Safetensors.read(ok).keySet()));
        assertEquals(0, Safetensors.read(ok).get("e2").numel());
    }
}
