package org.lcl.models.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lcl.models.export.Fixtures.CLIP;
import static org.lcl.models.export.Fixtures.LCL;
import static org.lcl.models.export.Fixtures.assertMentions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.dsl.LoadResult;
import org.lcl.models.checkpoint.CheckpointException;
import org.lcl.models.checkpoint.Checkpoints;
import org.lcl.models.checkpoint.EmbeddedConfig;
import org.lcl.models.checkpoint.Export;
import org.lcl.models.inference.ImageEncoder;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;
import org.lcl.torch.serialization.HostTensor;
import org.lcl.torch.serialization.Safetensors;
import org.lcl.torch.serialization.TorchFormatException;

/** Damaged and mismatched files: each fails with a message naming the file and the problem. */
class BadCheckpointTest {

    private static ImageTextModel clip;
    @TempDir
    static Path dir;
    private static Path good;

    @BeforeAll
    static void setUp() throws Exception {
        Torch.manualSeed(5);
        clip = Models.create(CLIP, Device.CPU, DType.FLOAT32);
        good = dir.resolve("clip_visual.safetensors");
        Export.exportModel(clip, EmbeddedConfig.resolve(CLIP), good, Export.Options.of(Export.Part.VISUAL, Export.Format.SAFETENSORS));
    }

    @AfterAll
    static void tearDown() {
        clip.close();
    }

    private static void printed(Throwable e) {
        System.out.println("  expected error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    @Test
    void truncatedSafetensors() throws Exception {
        byte[] all = Files.readAllBytes(good);
        for (int keep : new int[] {0, 5, 8, 100, all.length / 2, all.length - 1}) {
            Path cut = dir.resolve("truncated_" + keep + ".safetensors");
            Files.write(cut, Arrays.copyOf(all, keep));
            IOException e = assertThrows(IOException.class, () -> Checkpoints.loadWeights(cut));
            assertMentions(e, cut.toString());
            assertThrows(IOException.class, () -> ImageEncoder.load(cut, Device.CPU));
            if (keep == all.length / 2) {
                printed(e);
            }
        }
    }

    @Test
    void wrongShapeForAKey() throws Exception {
        Map<String, Object> sd = new LinkedHashMap<>(clip.stateDict());
        try (Scope s = Scope.open()) {
            sd.put("visual.proj", Torch.zeros(192, 64));
            Path f = dir.resolve("wrong_shape.pt");
            Torch.save(sd, f);
            try (ImageTextModel fresh = Models.create(CLIP, Device.CPU, DType.FLOAT32, false)) {
                for (boolean strict : new boolean[] {true, false}) {
                    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.loadInto(fresh, f, strict));
                    assertMentions(e, f.toString(), "1 shape mismatch", "visual.proj", "model [192, 128]", "checkpoint [192, 64]");
                    printed(e);
                }
            }
            CheckpointException e = assertThrows(CheckpointException.class, () -> Export.exportCheckpoint(f, CLIP, dir.resolve("ws.safetensors"),
                    Export.Options.of(Export.Part.VISUAL, Export.Format.SAFETENSORS)));
            assertMentions(e, f.toString(), "visual.proj", "[192, 128]", "[192, 64]");
            assertFalse(Files.exists(dir.resolve("ws.safetensors")));
        }
    }

    @Test
    void unknownDtype() throws Exception {
        for (String dtype : new String[] {"F8_E4M3", "Q4_K", "U32"}) {
            Path f = dir.resolve("dtype_" + dtype + ".safetensors");
            writeRawSafetensors(f, "{\"visual.proj\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
            IOException e = assertThrows(IOException.class, () -> Checkpoints.loadWeights(f));
            assertMentions(e, f.toString(), dtype, "visual.proj");
            printed(e);
        }
    }

    @Test
    void missingKeyStrictAndNot() throws Exception {
        Map<String, Object> sd = new LinkedHashMap<>(clip.stateDict());
        sd.remove("visual.ln_post.bias");
        Path f = dir.resolve("missing.pt");
        Torch.save(sd, f);
        try (ImageTextModel fresh = Models.create(CLIP, Device.CPU, DType.FLOAT32, false)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.loadInto(fresh, f, true));
            assertMentions(e, f.toString(), "1 missing key", "visual.ln_post.bias");
            printed(e);
            LoadResult r = Checkpoints.loadInto(fresh, f, false);
            assertEquals(List.of("visual.ln_post.bias"), r.missingKeys());
            assertTrue(r.unexpectedKeys().isEmpty());
            try (Scope s = Scope.open()) {
                assertTrue(fresh.stateDict().get("visual.proj").equal(clip.stateDict().get("visual.proj")), "the other keys are loaded");
            }
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> Export.exportCheckpoint(f, CLIP, dir.resolve("m.pt"),
                Export.Options.of(Export.Part.VISUAL, Export.Format.PT)));
        assertMentions(e, f.toString(), "lacks 1", "visual.ln_post.bias");
        // The same key missing from a visual export: ImageEncoder refuses it.
        Map<String, HostTensor> w = new LinkedHashMap<>(Checkpoints.loadWeights(good));
        w.remove("visual.ln_post.bias");
        Path vis = dir.resolve("visual_missing.safetensors");
        Safetensors.write(w, Safetensors.metadata(good), vis);
        CheckpointException e2 = assertThrows(CheckpointException.class, () -> ImageEncoder.load(vis, Device.CPU));
        assertMentions(e2, vis.toString(), "visual.ln_post.bias", "missing");
        printed(e2);
    }

    @Test
    void notACheckpoint() throws Exception {
        Path missing = dir.resolve("nope.pt");
        NoSuchFileException nf = assertThrows(NoSuchFileException.class, () -> Checkpoints.loadWeights(missing));
        assertMentions(nf, missing.toString());
        Path text = dir.resolve("notes.pt");
        Files.writeString(text, "this is not a checkpoint at all\n");
        assertMentions(assertThrows(TorchFormatException.class, () -> Checkpoints.loadWeights(text)), text.toString());
        Path textSt = dir.resolve("notes.safetensors");
        Files.writeString(textSt, "this is not a checkpoint at all\n");
        assertMentions(assertThrows(TorchFormatException.class, () -> Checkpoints.loadWeights(textSt)), textSt.toString());
        assertMentions(assertThrows(CheckpointException.class, () -> Checkpoints.loadWeights(dir)), dir.toString(), "directory");
    }

    @Test
    void checkpointDictsWithoutWeights() throws Exception {
        Path list = dir.resolve("list.pt");
        Torch.save(List.of(1L, 2L), list);
        assertMentions(assertThrows(CheckpointException.class, () -> Checkpoints.loadWeights(list)), list.toString(), "a list", "not a state dict");

        Path noState = dir.resolve("no_state.pt");
        Map<String, Object> ckpt = new LinkedHashMap<>();
        ckpt.put("epoch", 2L);
        ckpt.put("name", "run");
        Torch.save(ckpt, noState);
        assertMentions(assertThrows(CheckpointException.class, () -> Checkpoints.loadWeights(noState)), noState.toString(), "'epoch'", "no 'state_dict'");

        Path nonTensor = dir.resolve("non_tensor.pt");
        Map<String, Object> sd = new LinkedHashMap<>(clip.stateDict());
        sd.put("visual.note", "hello");
        Torch.save(Map.of("state_dict", sd), nonTensor);
        assertMentions(assertThrows(CheckpointException.class, () -> Checkpoints.loadWeights(nonTensor)), nonTensor.toString(), "'visual.note'", "not a tensor");

        Path empty = dir.resolve("empty.safetensors");
        Safetensors.write(Map.of(), null, empty);
        assertMentions(assertThrows(CheckpointException.class, () -> Checkpoints.loadWeights(empty)), empty.toString(), "no tensors");
    }

    @Test
    void badEmbeddedConfig() throws Exception {
        Map<String, String> meta = new LinkedHashMap<>(Safetensors.metadata(good));
        meta.put(Export.META_CONFIG, "{\"embed_dim\": 128, \"vision_cfg\": {\"patch_sise\": 16}, \"text_cfg\": {}}");
        Path f = dir.resolve("bad_config.safetensors");
        Safetensors.write(Checkpoints.loadWeights(good), meta, f);
        CheckpointException e = assertThrows(CheckpointException.class, () -> ImageEncoder.load(f, Device.CPU));
        assertMentions(e, f.toString(), "patch_sise");
        printed(e);
    }

    @Test
    void wrongModelForAnExport() throws Exception {
        // CLIP's visual export loaded as LCL: visual.proj is unexpected and pool_project.* missing.
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> ImageEncoder.load(good, LCL, Device.CPU, ImageEncoder.Options.DEFAULT));
        assertMentions(e, good.toString(), "pool_project.query_token", "visual.proj");
        printed(e);
    }

    @Test
    void liveTensorsCompareByShape() {
        try (Scope s = Scope.open()) {
            Map<String, Tensor> sd = new LinkedHashMap<>(clip.stateDict());
            sd.put("logit_scale", Torch.zeros(1));
            LoadResult r = Checkpoints.compare(clip, sd);
            assertEquals(1, r.shapeMismatches().size());
            assertTrue(Checkpoints.describe(r).contains("logit_scale: model [], checkpoint [1]"), Checkpoints.describe(r));
        }
    }

    /** A safetensors file from a literal header (padded to 8 bytes) and data. */
    static void writeRawSafetensors(Path f, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        b.put(data);
        Files.write(f, b.array());
    }
}
