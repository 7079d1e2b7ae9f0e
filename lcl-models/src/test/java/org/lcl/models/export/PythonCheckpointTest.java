package org.lcl.models.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lcl.models.export.Fixtures.LCL;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.dsl.LoadResult;
import org.lcl.models.checkpoint.Checkpoints;
import org.lcl.models.checkpoint.Export;
import org.lcl.models.inference.ImageEncoder;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Scope;

/**
 * Interchange with Python's torch (Debian's python3-torch under /usr/bin/python3; skipped,
 * saying why, where it is missing): an OpenCLIP-style checkpoint written by {@code torch.save}
 * loads and exports; a pt export loads in Python with {@code weights_only=True}.
 */
class PythonCheckpointTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Writes, for each key of a shape manifest, seeded random values; an OpenCLIP checkpoint dict; and the sums. */
    private static final String WRITE = """
            import json, sys, collections, torch
            manifest, out, sums_out = sys.argv[1], sys.argv[2], sys.argv[3]
            shapes = json.load(open(manifest))
            g = torch.Generator().manual_seed(1234)
            sd = collections.OrderedDict()
            for k, shape in shapes.items():
                sd['module.' + k] = torch.randn(tuple(shape), generator=g) * 0.02
            params = [torch.nn.Parameter(t.clone()) for t in list(sd.values())[:2]]
            opt = torch.optim.AdamW(params, lr=5e-4)
            sum(p.sum() for p in params).backward()
            opt.step()
            ckpt = {'epoch': 5, 'name': sys.argv[4], 'state_dict': sd, 'optimizer': opt.state_dict()}
            torch.save(ckpt, out)
            json.dump({k[len('module.'):]: [float(v.double().sum()), float(v.flatten()[0]) if v.numel() else 0.0] for k, v in sd.items()}, open(sums_out, 'w'))
            """;

    /** Reads a pt export with weights_only=True and prints what it holds. */
    private static final String READ = """
            import json, sys, torch
            ck = torch.load(sys.argv[1], map_location='cpu', weights_only=True)
            sd = ck['state_dict']
            print(json.dumps({'keys': list(sd.keys()), 'model': ck['model'], 'part': ck['part'],
                              'version': ck['lcl_export_version'], 'embed_dim': ck['config']['embed_dim'],
                              'image_size': ck['config']['vision_cfg']['image_size'],
                              'sum': float(sd['visual.conv1.weight'].double().sum())}))
            """;

    @Test
    void pythonTorchSaveCheckpointLoadsAndExports() throws Exception {
        String why = unavailable();
        if (why != null) {
            System.out.println("SKIPPED PythonCheckpointTest: " + why);
        }
        assumeTrue(why == null, () -> "skipped: " + why);

        // The manifest of the tiny LCL model's state dict: key -> shape.
        Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        try (ImageTextModel m = Models.create(LCL, Device.CPU, DType.FLOAT32, false)) {
            m.stateDict().forEach((k, t) -> shapes.put(k, t.shape()));
        }
        Path manifest = dir.resolve("shapes.json");
        JSON.writeValue(manifest.toFile(), shapes);
        Path ckpt = dir.resolve("epoch_5.pt");
        Path sums = dir.resolve("sums.json");
        run(WRITE, manifest.toString(), ckpt.toString(), sums.toString(), Fixtures.runName(LCL));

        Checkpoints.Contents c = Checkpoints.read(ckpt);
        assertEquals("module.", c.strippedPrefix());
        assertEquals(5L, c.entries().get("epoch"));
        assertEquals(List.copyOf(shapes.keySet()), List.copyOf(c.weights().keySet()));
        assertEquals(LCL, Checkpoints.config(c, null).name(), "the model comes from OpenCLIP's run name");

        JsonNode expected = JSON.readTree(sums.toFile());
        try (ImageTextModel m = Models.create(LCL, Device.CPU, DType.FLOAT32, false); Scope s = Scope.open()) {
            LoadResult r = Checkpoints.loadInto(m, ckpt, true);
            assertTrue(r.isClean(), r.toString());
            m.stateDict().forEach((k, t) -> {
                double sum = t.to(DType.FLOAT64).sum().item();
                double want = expected.get(k).get(0).asDouble();
                assertEquals(want, sum, 1e-9 + 1e-6 * Math.abs(want), k);
                if (t.numel() > 0) {
                    assertEquals(expected.get(k).get(1).asDouble(), t.flatten().select(0, 0).item(), 0, k);
                }
            });
        }

        // Export both formats; the visual safetensors serves an ImageEncoder, the pt export reads back in Python.
        Path visual = dir.resolve("visual.safetensors");
        Export.exportCheckpoint(ckpt, null, visual, Export.Options.of(Export.Part.VISUAL, Export.Format.SAFETENSORS));
        try (ImageEncoder enc = ImageEncoder.load(visual, Device.CPU)) {
            assertEquals(192, enc.latentDim());
        }
        Path pt = dir.resolve("visual.pt");
        Export.Report r = Export.exportCheckpoint(ckpt, null, pt, Export.Options.of(Export.Part.VISUAL, Export.Format.PT));
        JsonNode py = JSON.readTree(lastLine(run(READ, pt.toString())));
        assertEquals(r.tensors(), py.get("keys").size());
        assertEquals("visual.class_embedding", py.get("keys").get(0).asText());
        assertEquals(LCL, py.get("model").asText());
        assertEquals("visual", py.get("part").asText());
        assertEquals(1, py.get("version").asInt());
        assertEquals(192, py.get("embed_dim").asInt());
        assertEquals(64, py.get("image_size").asInt());
        assertEquals(expected.get("visual.conv1.weight").get(0).asDouble(), py.get("sum").asDouble(), 1e-9);
    }

    private static String lastLine(String out) {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    private static String unavailable() throws Exception {
        if (!Files.isExecutable(PYTHON)) {
            return PYTHON + " not found (apt-get install python3-torch; scripts/test installs it)";
        }
        Result r = exec(List.of(PYTHON.toString(), "-c", "import torch"));
        return r.exitCode == 0 ? null : PYTHON + " cannot import torch: " + r.output.strip();
    }

    private record Result(int exitCode, String output) {}

    private String run(String script, String... args) throws Exception {
        Path file = dir.resolve("script.py");
        Files.writeString(file, script);
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), file.toString()));
        command.addAll(List.of(args));
        Result r = exec(command);
        assertEquals(0, r.exitCode, () -> "python failed:\n" + r.output);
        return r.output;
    }

    private static Result exec(List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("python-torch", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out after 180 s: " + command);
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
