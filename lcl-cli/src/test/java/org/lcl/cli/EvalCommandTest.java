package org.lcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import java.awt.image.BufferedImage;
import java.util.Map;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.models.eval.data.FashionMnist;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Torch;
import picocli.CommandLine;

class EvalCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheOptions() {
        Run r = run("eval", "--help");
        assertEquals(0, r.code());
        for (String option : List.of("--model", "--pretrained", "--task", "--dataset", "--tokenizer", "--vocab", "--device", "--batch-size",
                "--epochs", "--lr", "--probe-batch-size", "--max-train-samples", "--max-test-samples", "--results", "--seed")) {
            assertTrue(r.out().contains(option), "help lacks " + option + ":\n" + r.out());
        }
    }

    @Test
    void theEvalCommandIsRegistered() {
        assertTrue(run("--help").out().contains("eval"));
    }

    @Test
    void aBadTaskIsNamed() {
        Run r = run("eval", "--model", "LCL_ViT-Tiny-16_demo", "--task", "linear-probe,zero-shoot");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown task 'zero-shoot'") && r.err().contains("linear-probe, zero-shot or retrieval"), r.err());
    }

    @Test
    void aMissingDatasetDirectoryIsNamed(@TempDir Path dir) throws IOException {
        Run r = quiet(() -> run("eval", "--model", "LCL_ViT-Tiny-16_demo", "--dataset", dir.resolve("nope").toString(), "--results",
                dir.resolve("r.jsonl").toString()));
        assertEquals(2, r.code());
        assertTrue(r.out().contains("error: --dataset") && r.out().contains("nope"), r.out());
        assertTrue(!Files.exists(dir.resolve("r.jsonl")));
    }

    @Test
    void probeAndZeroShotOnFashionMnistAppendTwoLines(@TempDir Path dir) throws IOException {
        if (!FashionMnist.isAvailable(FashionMnist.DEFAULT_DIR)) {
            String reason = "skipped: Fashion-MNIST is not installed at " + FashionMnist.DEFAULT_DIR;
            System.out.println(reason);
            assumeTrue(false, reason);
        }
        Path vocab = Path.of(System.getProperty("user.dir")).resolve("../../shared/data/bpe_simple_vocab_16e6.txt.gz").normalize();
        if (!Files.isRegularFile(vocab)) {
            vocab = Path.of("/work/shared/data/bpe_simple_vocab_16e6.txt.gz");
        }
        if (!Files.isRegularFile(vocab)) {
            String reason = "skipped: the CLIP vocabulary bpe_simple_vocab_16e6.txt.gz is absent";
            System.out.println(reason);
            assumeTrue(false, reason);
        }
        Path results = dir.resolve("results.jsonl");
        String v = vocab.toString();
        Run r = quiet(() -> run("eval", "--model", "LCL_ViT-Tiny-16_demo", "--task", "linear-probe,zero-shot", "--vocab", v,
                "--max-train-samples", "40", "--max-test-samples", "20", "--epochs", "2", "--batch-size", "20", "--results", results.toString()));
        String printed = r.out();
        assertEquals(0, r.code(), printed + r.err());
        assertTrue(printed.contains("linear-probe:") && printed.contains("zero-shot:") && printed.contains("acc1"), printed);
        List<String> lines = Files.readAllLines(results);
        assertEquals(2, lines.size());
        ObjectMapper mapper = new ObjectMapper();
        JsonNode probe = mapper.readTree(lines.get(0));
        JsonNode zs = mapper.readTree(lines.get(1));
        assertEquals("linear-probe", probe.get("task").asText());
        assertEquals(40, probe.get("samples").get("train").asInt());
        assertEquals(20, probe.get("samples").get("test").asInt());
        assertEquals("zero-shot", zs.get("task").asText());
        assertEquals("fashion-mnist", zs.get("dataset").asText());
        double acc1 = zs.get("metrics").get("acc1").asDouble();
        assertTrue(acc1 >= 0 && acc1 <= 1, "acc1 " + acc1);
    }

    @Test
    void probeOnAnImageFolderWithACheckpoint(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("tiny.safetensors");
        try (ImageTextModel m = Models.create("LCL_ViT-Tiny-16_demo", Device.CPU, DType.FLOAT32)) {
            Torch.saveSafetensors(m.stateDict(), Map.of(), ckpt);
        }
        Path data = dir.resolve("shapes");
        for (int i = 0; i < 6; i++) {
            png(data.resolve("dark/" + i + ".png"), 0x101010 * (i + 1));
            png(data.resolve("light/" + i + ".png"), 0xFFFFFF - 0x101010 * i);
        }
        Path results = dir.resolve("r.jsonl");
        Run r = quiet(() -> run("eval", "--model", "LCL_ViT-Tiny-16_demo", "--pretrained", ckpt.toString(), "--dataset", data.toString(),
                "--test-fraction", "0.5", "--epochs", "3", "--results", results.toString()));
        assertEquals(0, r.code(), r.err());
        JsonNode line = new ObjectMapper().readTree(Files.readAllLines(results).getFirst());
        assertEquals(ckpt.toAbsolutePath().normalize().toString(), line.get("checkpoint").asText());
        assertEquals(data.toAbsolutePath().normalize().toString(), line.get("dataset").asText());
        assertEquals(6, line.get("samples").get("train").asInt());
        assertEquals(6, line.get("samples").get("test").asInt());
    }

    private static void png(Path file, int rgb) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(20, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 20; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    /** Runs action with System.out and System.err (the command's summary, log and errors) captured into out. */
    private static Run quiet(java.util.function.Supplier<Run> action) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        System.setOut(new PrintStream(sink, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(sink, true, StandardCharsets.UTF_8));
        try {
            Run r = action.get();
            return new Run(r.code(), r.out() + sink.toString(StandardCharsets.UTF_8), r.err());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
