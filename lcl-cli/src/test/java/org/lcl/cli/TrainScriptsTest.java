package org.lcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lcl.models.train.Precision;
import org.lcl.models.train.TrainConfig;
import org.lcl.torch.Device;
import picocli.CommandLine;

/**
 * The launchers scripts/lcl_vit_*.sh: with LCL_DRY_RUN=1 each prints the `lcl train` command
 * it would run; its flags must be exactly the reference's recipe (lcl-spec.md "Reference
 * training recipes", copied below) plus the environment's, and `lcl train` must accept them.
 */
class TrainScriptsTest {

    private static final Path SCRIPTS = Path.of(System.getProperty("user.dir")).resolve("../scripts").normalize();

    /** The flags every reference script passes (null: a switch). */
    private static final Map<String, String> COMMON = flags(
            "--save-frequency", "1", "--zeroshot-frequency", "1", "--warmup", "2000", "--epochs", "32", "--workers", "10",
            "--seed", "0", "--local-loss", null, "--gather-with-grad", null, "--img-first-prob", "0.5",
            "--lcl-generation-loss-weight", "1.0", "--lcl-contrastive-loss-weight", "0.1");

    private static final Map<String, Map<String, String>> RECIPES = Map.of(
            "lcl_vit_b_32_laion.sh", flags("--dataset-type", "webdataset", "--use-interleaved-wrapper", null,
                    "--model", "LCL_ViT-B-32_laion", "--interleaved-context-length", "128", "--num-img-token", "49"),
            "lcl_vit_b_16_laion.sh", flags("--dataset-type", "webdataset", "--use-interleaved-wrapper", null,
                    "--model", "LCL_ViT-B-16_laion", "--interleaved-context-length", "280", "--num-img-token", "196",
                    "--grad-checkpointing", null),
            "lcl_vit_b_32_mmc4.sh", flags("--dataset-type", "mmc4", "--data-global-distributed", null,
                    "--model", "LCL_ViT-B-32_mmc4", "--interleaved-context-length", "2048", "--num-img-token", "49",
                    "--lr", "3e-4", "--grad-checkpointing", null));

    private record Result(int code, List<String> args, String err) {
    }

    @Test
    void eachScriptPassesExactlyTheReferenceFlags() throws Exception {
        for (var recipe : RECIPES.entrySet()) {
            Result r = dryRun(recipe.getKey(), Map.of("TRAIN_DATA", "/data/laion/{00000..00009}.tar"));
            assertEquals(0, r.code(), recipe.getKey() + ": " + r.err());
            assertEquals(SCRIPTS.resolve("lcl").toString(), r.args().get(0), "the launcher runs scripts/lcl");
            assertEquals("train", r.args().get(1));
            Map<String, String> expected = new LinkedHashMap<>(COMMON);
            expected.putAll(recipe.getValue());
            expected.put("--train-data", "/data/laion/{00000..00009}.tar");
            expected.put("--batch-size", "64");
            expected.put("--device", "cuda");
            assertEquals(expected, parseFlags(r.args().subList(2, r.args().size())), recipe.getKey());
        }
    }

    @Test
    void theEnvironmentAddsItsFlags() throws Exception {
        Result r = dryRun("lcl_vit_b_32_laion.sh", Map.of("TRAIN_DATA", "/d/a.tar::/d/b.tar", "TRAIN_NUM_SAMPLES", "1000",
                "BATCH_SIZE", "256", "NPROC_PER_NODE", "8", "DEVICE", "cpu", "LOGS_DIR", "/tmp/my logs", "RUN_NAME", "b32",
                "CLIP_VOCAB", "/v/bpe.txt.gz", "EXTRA_ARGS", "--accum-freq 2  --save-most-recent"), "--log-every-n-steps", "10");
        assertEquals(0, r.code(), r.err());
        Map<String, String> f = parseFlags(r.args().subList(2, r.args().size()));
        assertEquals("/d/a.tar::/d/b.tar", f.get("--train-data"));
        assertEquals("1000", f.get("--train-num-samples"));
        assertEquals("256", f.get("--batch-size"));
        assertEquals("8", f.get("--nproc-per-node"));
        assertEquals("cpu", f.get("--device"));
        assertEquals("/tmp/my logs", f.get("--logs"));
        assertEquals("b32", f.get("--name"));
        assertEquals("/v/bpe.txt.gz", f.get("--vocab"));
        assertEquals("2", f.get("--accum-freq"));
        assertTrue(f.containsKey("--save-most-recent"));
        assertEquals(List.of("--log-every-n-steps", "10"), r.args().subList(r.args().size() - 2, r.args().size()),
                "the launcher's own arguments come last");
    }

    @Test
    void oneProcessPassesNoProcessCount() throws Exception {
        Result r = dryRun("lcl_vit_b_32_mmc4.sh", Map.of("TRAIN_DATA", "/mmc4", "NPROC_PER_NODE", "1"));
        assertEquals(0, r.code(), r.err());
        assertFalse(r.args().contains("--nproc-per-node"), r.args().toString());
    }

    @Test
    void aMissingTrainDataIsExplained() throws Exception {
        Result r = dryRun("lcl_vit_b_16_laion.sh", Map.of());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("TRAIN_DATA is not set"), r.err());
        assertTrue(r.args().isEmpty(), r.args().toString());
    }

    @Test
    void badNumbersAreNamed() throws Exception {
        Result r = dryRun("lcl_vit_b_16_laion.sh", Map.of("TRAIN_DATA", "/d/x.tar", "NPROC_PER_NODE", "two"));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("NPROC_PER_NODE must be a positive integer, got 'two'"), r.err());
        r = dryRun("lcl_vit_b_16_laion.sh", Map.of("TRAIN_DATA", "/d/x.tar", "BATCH_SIZE", "0"));
        assertTrue(r.err().contains("BATCH_SIZE must be a positive integer"), r.err());
    }

    @Test
    void lclTrainParsesEachScriptsFlags() throws Exception {
        for (String script : RECIPES.keySet()) {
            Result r = dryRun(script, Map.of("TRAIN_DATA", "/data/train", "CLIP_VOCAB", "/v/bpe.txt.gz"));
            assertEquals(0, r.code(), script + ": " + r.err());
            TrainCommand cmd = parse(r.args().subList(1, r.args().size()));
            TrainConfig cfg = cmd.config();
            boolean mmc4 = script.contains("mmc4");
            boolean b16 = script.contains("b_16");
            assertEquals(mmc4 ? "LCL_ViT-B-32_mmc4" : b16 ? "LCL_ViT-B-16_laion" : "LCL_ViT-B-32_laion", cfg.model());
            assertEquals(mmc4 ? "mmc4" : "webdataset", cfg.data().datasetType());
            assertEquals("/data/train", cfg.data().trainData());
            assertEquals(!mmc4, cfg.data().useInterleavedWrapper());
            assertEquals(mmc4, cfg.data().dataGlobalDistributed());
            assertEquals(mmc4 ? 2048 : b16 ? 280 : 128, cfg.data().interleavedContextLength());
            assertEquals(b16 ? 196 : 49, cfg.data().numImgToken());
            assertEquals(0.5, cfg.data().imgFirstProb());
            assertEquals(64, cfg.data().batchSize());
            assertEquals(10, cfg.data().workers());
            assertEquals(Path.of("/v/bpe.txt.gz"), cfg.data().vocab());
            assertEquals(32, cfg.optim().epochs());
            assertEquals(2000, cfg.optim().warmup());
            assertEquals(mmc4 ? 3e-4 : 5e-4, cfg.optim().lr());
            assertEquals(0.9, cfg.optim().beta1());
            assertEquals(0.98, cfg.optim().beta2());
            assertEquals(1e-6, cfg.optim().eps());
            assertEquals(0.2, cfg.optim().wd());
            assertEquals(Precision.AMP, cfg.optim().precision());
            assertEquals(mmc4 || b16, cfg.optim().gradCheckpointing());
            assertTrue(cfg.optim().localLoss() && cfg.optim().gatherWithGrad());
            assertEquals(0.1, cfg.optim().lclContrastiveLossWeight());
            assertEquals(1.0, cfg.optim().lclGenerationLossWeight());
            assertEquals(1, cfg.run().saveFrequency());
            assertEquals(1, cmd.zeroshotFrequency);
            assertEquals(0, cfg.seed());
            assertEquals(Device.cuda(0), cfg.device());
            assertNull(cfg.run().resume());
        }
    }

    @Test
    void extraArgsOverrideARecipeFlagAsArgparseDoes() throws Exception {
        Result r = dryRun("lcl_vit_b_32_mmc4.sh", Map.of("TRAIN_DATA", "/mmc4", "EXTRA_ARGS", "--lr 1e-4 --epochs 1"));
        assertEquals(0, r.code(), r.err());
        TrainConfig cfg = parse(r.args().subList(1, r.args().size())).config();
        assertEquals(1e-4, cfg.optim().lr());
        assertEquals(1, cfg.optim().epochs());
    }

    private static TrainCommand parse(List<String> args) {
        CommandLine.ParseResult pr = Main.commandLine().parseArgs(args.toArray(String[]::new));
        return (TrainCommand) pr.subcommand().commandSpec().userObject();
    }

    /** flag → value (null for a switch); a flag given twice fails the test. */
    private static Map<String, String> parseFlags(List<String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            assertTrue(flag.startsWith("--"), "expected a flag at " + i + ": " + args);
            String value = i + 1 < args.size() && !args.get(i + 1).startsWith("--") ? args.get(++i) : null;
            assertFalse(out.containsKey(flag), flag + " given twice: " + args);
            out.put(flag, value);
        }
        return out;
    }

    private static Map<String, String> flags(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /**
     * Runs the script with LCL_DRY_RUN=1 and only the given environment (plus PATH and HOME), and
     * un-quotes the printed command line with bash itself, one argument per line.
     */
    private static Result dryRun(String script, Map<String, String> env, String... scriptArgs) throws IOException, InterruptedException {
        Path file = SCRIPTS.resolve(script);
        assertTrue(Files.isExecutable(file), file + " is missing or not executable");
        StringBuilder call = new StringBuilder("line=$(\"$0\"");
        for (int i = 1; i <= scriptArgs.length; i++) {
            call.append(" \"${").append(i).append("}\"");
        }
        call.append(") || exit $?; eval \"a=($line)\"; printf '%s\\n' \"${a[@]}\"");
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", "-c", call.toString(), file.toString()));
        cmd.addAll(List.of(scriptArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME"));
        pb.environment().putAll(env);
        pb.environment().put("LCL_DRY_RUN", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        List<String> args = out.isEmpty() ? List.of() : List.of(out.split("\n"));
        return new Result(code, args, err);
    }
}
