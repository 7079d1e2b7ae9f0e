package org.lcl.models.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lcl.models.export.Fixtures.CLIP;
import static org.lcl.models.export.Fixtures.LCL;
import static org.lcl.models.export.Fixtures.assertMentions;
import static org.lcl.models.export.Fixtures.assertSameWeights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lcl.dsl.LoadResult;
import org.lcl.models.checkpoint.CheckpointException;
import org.lcl.models.checkpoint.Checkpoints;
import org.lcl.models.checkpoint.EmbeddedConfig;
import org.lcl.models.checkpoint.Export;
import org.lcl.models.config.ModelConfigs;
import org.lcl.models.inference.VisionEncoder;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;
import org.lcl.torch.serialization.HostTensor;
import org.lcl.torch.serialization.Safetensors;

/** checkpoint → export → load, for LCL and CLIP, both parts and both formats. */
class ExportRoundTripTest {

    private static ImageTextModel lcl;
    private static ImageTextModel clip;
    @TempDir
    static Path dir;
    private static Path lclCkpt;
    private static Path clipCkpt;

    @BeforeAll
    static void setUp() throws Exception {
        Torch.manualSeed(11);
        lcl = Models.create(LCL, Device.CPU, DType.FLOAT32);
        clip = Models.create(CLIP, Device.CPU, DType.FLOAT32);
        lclCkpt = Fixtures.writeOpenClipCheckpoint(lcl, Fixtures.runName(LCL), dir.resolve("lcl_epoch_3.pt"));
        clipCkpt = Fixtures.writeOpenClipCheckpoint(clip, Fixtures.runName(CLIP), dir.resolve("clip_epoch_3.pt"));
    }

    @AfterAll
    static void tearDown() {
        lcl.close();
        clip.close();
    }

    static Stream<Arguments> cases() {
        return Stream.of(true, false).flatMap(isLcl -> Stream.of(Export.Part.values()).flatMap(part ->
                Stream.of(Export.Format.values()).map(format -> Arguments.of(isLcl, part, format))));
    }

    @ParameterizedTest(name = "lcl={0} part={1} format={2}")
    @MethodSource("cases")
    void exportThenLoad(boolean isLcl, Export.Part part, Export.Format format) throws Exception {
        ImageTextModel model = isLcl ? lcl : clip;
        Path ckpt = isLcl ? lclCkpt : clipCkpt;
        Path out = dir.resolve((isLcl ? "lcl_" : "clip_") + part + "." + (format == Export.Format.PT ? "pt" : "safetensors"));
        // No --model: the model comes from the OpenCLIP run name in the checkpoint.
        Export.Report r = Export.exportCheckpoint(ckpt, null, out, Export.Options.of(part, format));
        assertEquals(isLcl ? LCL : CLIP, r.config().name());
        assertTrue(r.droppedKeys().isEmpty());

        Map<String, Tensor> expected = Checkpoints.select(model.stateDict(), k -> part.contains(k, isLcl));
        if (part == Export.Part.VISUAL) {
            assertTrue(expected.keySet().stream().allMatch(k -> k.startsWith("visual.") || k.startsWith("pool_project.")));
            assertEquals(isLcl, expected.containsKey("pool_project.query_token"));
            assertEquals(!isLcl, expected.containsKey("visual.proj"), "CLIP's visual part holds its projection");
            assertFalse(expected.keySet().stream().anyMatch(k -> k.startsWith("text.") || k.startsWith("lm_head.")));
        } else {
            assertEquals(model.stateDict().size(), expected.size());
        }
        assertEquals(expected.size(), r.tensors());
        assertEquals(model.stateDict().size() - expected.size(), r.leftOut());

        Checkpoints.Contents c = Checkpoints.read(out);
        assertEquals(format == Export.Format.PT ? Checkpoints.Format.TORCH : Checkpoints.Format.SAFETENSORS, c.format());
        assertEquals("", c.strippedPrefix());
        // pt keeps the model's key order; safetensors sorts its header (the reference writer's order).
        assertSameWeights(expected, c.weights(), format == Export.Format.PT);
        assertEquals(part.label(), c.part());
        EmbeddedConfig embedded = Checkpoints.embeddedConfig(c);
        assertNotNull(embedded);
        assertEquals(model.config(), embedded.config());
        assertEquals(isLcl ? LCL : CLIP, embedded.name());
        if (format == Export.Format.SAFETENSORS) {
            Map<String, String> meta = Safetensors.metadata(out);
            assertEquals("pt", meta.get("format"));
            assertEquals(part.label(), meta.get(Export.META_PART));
            assertEquals("1", meta.get(Export.META_VERSION));
            assertEquals("3", meta.get("lcl_epoch"));
            assertEquals(ckpt.getFileName().toString(), meta.get("lcl_source"));
            assertEquals(model.config(), ModelConfigs.parse(meta.get(Export.META_CONFIG), "metadata"));
        } else {
            assertEquals(3L, c.entries().get("epoch"));
            assertEquals(1L, c.entries().get(Export.PT_VERSION));
            assertTrue(c.entries().get(Export.PT_CONFIG) instanceof Map<?, ?>, "pt embeds the config as a dict");
        }

        // Load back: the full export into a fresh model, the visual part into a vision encoder; strict both.
        if (part == Export.Part.FULL) {
            try (ImageTextModel fresh = Models.create(embedded.config(), Device.CPU, DType.FLOAT32, false)) {
                LoadResult lr = Checkpoints.loadInto(fresh, out, true);
                assertTrue(lr.isClean(), lr.toString());
                assertSameWeights(model.stateDict(), fresh.stateDict(), true);
            }
        }
        try (VisionEncoder enc = VisionEncoder.create(embedded.config(), Device.CPU, DType.FLOAT32, false)) {
            Map<String, HostTensor> visual = Checkpoints.select(c.weights(), k -> VisionEncoder.owns(k, isLcl));
            LoadResult lr = Checkpoints.loadInto(enc, visual, out.toString(), true);
            assertTrue(lr.isClean(), lr.toString());
            assertSameWeights(Checkpoints.select(model.stateDict(), k -> Export.Part.VISUAL.contains(k, isLcl)), enc.stateDict(), true);
        }
    }

    @Test
    void exportOfALiveModelAndReexport() throws Exception {
        EmbeddedConfig cfg = EmbeddedConfig.resolve(LCL);
        Path full = dir.resolve("live_full.safetensors");
        Export.Report r = Export.exportModel(lcl, cfg, full, Export.Options.of(Export.Part.FULL, Export.Format.SAFETENSORS));
        assertEquals(lcl.stateDict().size(), r.tensors());
        assertEquals(lcl.parameterCount(), r.parameters());
        // An export is itself a checkpoint: re-export its visual part as pt, config taken from the file.
        Path visual = dir.resolve("from_export.pt");
        Export.Report r2 = Export.exportCheckpoint(full, null, visual, Export.Options.of(Export.Part.VISUAL, Export.Format.PT));
        assertEquals(LCL, r2.config().name());
        assertSameWeights(Checkpoints.select(lcl.stateDict(), k -> Export.Part.VISUAL.contains(k, true)), Checkpoints.loadWeights(visual), true);
        // A visual export cannot become a full one.
        CheckpointException e = assertThrows(CheckpointException.class, () -> Export.exportCheckpoint(visual, null, dir.resolve("x.pt"),
                Export.Options.of(Export.Part.FULL, Export.Format.PT)));
        assertMentions(e, visual.toString(), "lacks", "text.", "'visual' export");
        assertFalse(Files.exists(dir.resolve("x.pt")));
    }

    @Test
    void dtypeConversionAndSidecar() throws Exception {
        Path out = dir.resolve("half.safetensors");
        Export.Options o = Export.Options.of(Export.Part.VISUAL, Export.Format.SAFETENSORS).withDtype(DType.FLOAT16).withSidecar(true);
        Export.Report r = Export.exportCheckpoint(lclCkpt, LCL, out, o);
        assertEquals(Checkpoints.sidecar(out), r.sidecar());
        assertEquals(lcl.config(), ModelConfigs.load(r.sidecar()));
        Map<String, HostTensor> w = Checkpoints.loadWeights(out);
        try (Scope s = Scope.open()) {
            Map<String, Object> expected = new LinkedHashMap<>();
            Checkpoints.select(lcl.stateDict(), k -> Export.Part.VISUAL.contains(k, true)).forEach((k, t) -> expected.put(k, t.to(DType.FLOAT16)));
            assertSameWeights(expected, w, false);
        }
    }

    @Test
    void modulePrefixStrippedOnlyWhenEveryKeyHasIt() throws Exception {
        Path all = dir.resolve("ddp_bare.pt");
        Torch.save(Fixtures.prefixed(clip, "module."), all);
        Checkpoints.Contents c = Checkpoints.read(all);
        assertEquals("module.", c.strippedPrefix());
        assertTrue(c.entries().isEmpty(), "a bare state dict has no other entries");
        assertSameWeights(clip.stateDict(), c.weights(), true);
        try (ImageTextModel fresh = Models.create(CLIP, Device.CPU, DType.FLOAT32, false)) {
            assertTrue(Checkpoints.loadInto(fresh, all, true).isClean());
        }

        // One key without the prefix: nothing is stripped, and strict loading names the keys.
        Map<String, Object> mixed = Fixtures.prefixed(clip, "module.");
        Object first = mixed.remove("module.logit_scale");
        mixed.put("logit_scale", first);
        Path part = dir.resolve("mixed.pt");
        Torch.save(mixed, part);
        Checkpoints.Contents m = Checkpoints.read(part);
        assertEquals("", m.strippedPrefix());
        assertTrue(m.weights().containsKey("module.visual.conv1.weight"));
        try (ImageTextModel fresh = Models.create(CLIP, Device.CPU, DType.FLOAT32, false)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.loadInto(fresh, part, true));
            assertMentions(e, part.toString(), "missing keys", "visual.conv1.weight", "unexpected keys", "module.visual.conv1.weight");
        }

        // The OpenCLIP checkpoint's keys all carry "module." too; its other entries are kept.
        Checkpoints.Contents o = Checkpoints.read(lclCkpt);
        assertEquals("module.", o.strippedPrefix());
        assertEquals(3L, o.entries().get("epoch"));
        assertTrue(o.entries().containsKey("optimizer"));
        assertSameWeights(lcl.stateDict(), o.weights(), true);
    }

    @Test
    void bareStateDictNeedsModelUnlessSidecar() throws Exception {
        Path bare = dir.resolve("bare_lcl.pt");
        Torch.save(new LinkedHashMap<>(lcl.stateDict()), bare);
        Path out = dir.resolve("bare_visual.safetensors");
        Export.Options o = Export.Options.of(Export.Part.VISUAL, Export.Format.SAFETENSORS);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Export.exportCheckpoint(bare, null, out, o));
        assertMentions(e, bare.toString(), "cannot tell which model", "--model");
        assertEquals(LCL, Export.exportCheckpoint(bare, LCL, out, o).config().name());
        // A sidecar <checkpoint>.json names the config instead.
        Files.writeString(Checkpoints.sidecar(bare), EmbeddedConfig.resolve(LCL).prettyJson());
        Export.Report r = Export.exportCheckpoint(bare, null, out, o);
        assertEquals(lcl.config(), r.config().config());
        assertEquals(Checkpoints.sidecar(bare).toString(), r.config().origin());
    }

    @Test
    void unknownKeysFailStrictAndAreDroppedOtherwise() throws Exception {
        Map<String, Object> sd = new LinkedHashMap<>(clip.stateDict());
        try (Scope s = Scope.open()) {
            sd.put("attn_mask", Torch.zeros(77, 77));
            Path f = dir.resolve("with_mask.pt");
            Torch.save(sd, f);
            Path out = dir.resolve("with_mask_visual.pt");
            Export.Options o = Export.Options.of(Export.Part.VISUAL, Export.Format.PT);
            CheckpointException e = assertThrows(CheckpointException.class, () -> Export.exportCheckpoint(f, CLIP, out, o));
            assertMentions(e, f.toString(), "attn_mask", "--non-strict");
            Export.Report r = Export.exportCheckpoint(f, CLIP, out, o.withStrict(false));
            assertEquals(List.of("attn_mask"), r.droppedKeys());
            assertNull(Checkpoints.loadWeights(out).get("attn_mask"));
        }
    }

    @Test
    void modelOverrideThatDiffersFromTheEmbeddedConfigWarns() throws Exception {
        Path full = dir.resolve("clip_full_for_override.safetensors");
        Export.exportModel(clip, EmbeddedConfig.resolve(CLIP), full, Export.Options.of(Export.Part.FULL, Export.Format.SAFETENSORS));
        // Same config through a JSON path: no warning.
        Export.Report r = Export.exportCheckpoint(full, ModelConfigs.resolvePath(CLIP).toString(), dir.resolve("o.safetensors"),
                Export.Options.of(Export.Part.VISUAL, Export.Format.SAFETENSORS));
        assertTrue(r.warnings().isEmpty(), r.warnings().toString());
        // A different model: its shapes do not fit.
        CheckpointException e = assertThrows(CheckpointException.class, () -> Export.exportCheckpoint(full, LCL, dir.resolve("p.safetensors"),
                Export.Options.of(Export.Part.VISUAL, Export.Format.SAFETENSORS)));
        assertMentions(e, full.toString(), LCL);
    }
}
