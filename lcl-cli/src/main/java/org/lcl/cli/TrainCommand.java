package org.lcl.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import org.lcl.models.train.OptimizerDefaults;
import org.lcl.models.train.Precision;
import org.lcl.models.train.RunFolder;
import org.lcl.models.train.TrainConfig;
import org.lcl.models.train.TrainRun;
import org.lcl.models.train.dist.DistEnv;
import org.lcl.torch.Device;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lcl train}: OpenCLIP's training flags (names and defaults, openclip-interface.md) and
 * LCL's. Flags OpenCLIP has that this project does not implement yet are accepted by name and
 * refused with a message when given, never ignored.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pre-train an LCL model (or a CLIP baseline) as OpenCLIP's training/main.py: run folder LOGS/NAME with "
                + "out.log, params.txt, metrics.jsonl, loss.png and checkpoints/epoch_N.pt.",
                "Datasets: webdataset (LAION-style tar shards, --use-interleaved-wrapper for LCL), mmc4 (ROOT with data/ and "
                + "images/), synthetic (one random batch repeated, for benchmarks)."})
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    // ---- data ----
    @Option(names = "--train-data", paramLabel = "PATTERN", description = "training data: tar shards ('::'-joined sources, brace patterns) or an MMC4 root")
    String trainData;
    @Option(names = "--train-data-upsampling-factors", paramLabel = "F::F", description = "per-source sampling weights (needs --dataset-resampled)")
    String upsamplingFactors;
    @Option(names = "--train-num-samples", paramLabel = "N", description = "samples per epoch (else sizes.json beside the shards)")
    Long trainNumSamples;
    @Option(names = "--dataset-type", defaultValue = "auto", paramLabel = "TYPE", description = "webdataset, mmc4, synthetic or auto (default: ${DEFAULT-VALUE})")
    String datasetType;
    @Option(names = "--dataset-resampled", description = "draw shards with replacement")
    boolean datasetResampled;
    @Option(names = "--workers", defaultValue = "4", paramLabel = "N", description = "data loader threads per process (default: ${DEFAULT-VALUE})")
    int workers;
    @Option(names = "--batch-size", defaultValue = "64", paramLabel = "N", description = "batch size per process (default: ${DEFAULT-VALUE})")
    int batchSize;
    @Option(names = "--use-interleaved-wrapper", description = "LCL: turn image-caption pairs into interleaved sequences")
    boolean useInterleavedWrapper;
    @Option(names = "--interleaved-context-length", paramLabel = "L", description = "LCL: sequence length (default: the model's context_length)")
    Integer interleavedContextLength;
    @Option(names = "--num-img-token", paramLabel = "N", description = "LCL: visual tokens per image (default: the model's (image_size/patch_size)^2)")
    Integer numImgToken;
    @Option(names = "--img-first-prob", defaultValue = "0.5", paramLabel = "P", description = "LCL: probability of image-first sequences (default: ${DEFAULT-VALUE})")
    double imgFirstProb;
    @Option(names = "--data-global-distributed", description = "LCL/MMC4: rank r reads shards i with i %% world == r")
    boolean dataGlobalDistributed;
    @Option(names = "--tokenizer", defaultValue = "clip", paramLabel = "clip|gpt2", description = "tokenizer (default: ${DEFAULT-VALUE}; gpt2 needs a model config with its vocabulary and special ids)")
    String tokenizer;
    @Option(names = "--vocab", paramLabel = "FILE", description = "CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz); else $LCL_CLIP_VOCAB")
    Path vocab;

    // ---- optimisation ----
    @Option(names = "--model", required = true, paramLabel = "NAME", description = "model config: configs/NAME.json or a JSON path")
    String model;
    @Option(names = "--pretrained", paramLabel = "FILE", description = "initial weights (a checkpoint or state dict file)")
    Path pretrained;
    @Option(names = "--epochs", defaultValue = "32", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})")
    int epochs;
    @Option(names = "--epochs-cooldown", paramLabel = "N", description = "epochs of cooldown at the end (const-cooldown)")
    Integer epochsCooldown;
    @Option(names = "--lr", paramLabel = "LR", description = "learning rate (default by model name: 5e-4)")
    Double lr;
    @Option(names = "--beta1", paramLabel = "B", description = "Adam beta1 (default by model name: 0.9)")
    Double beta1;
    @Option(names = "--beta2", paramLabel = "B", description = "Adam beta2 (default by model name: 0.98 for ViT, else 0.999)")
    Double beta2;
    @Option(names = "--eps", paramLabel = "E", description = "Adam epsilon (default by model name: 1e-6 for ViT, else 1e-8)")
    Double eps;
    @Option(names = "--wd", defaultValue = "0.2", paramLabel = "WD", description = "weight decay (default: ${DEFAULT-VALUE})")
    double wd;
    @Option(names = "--warmup", defaultValue = "10000", paramLabel = "STEPS", description = "warmup steps (default: ${DEFAULT-VALUE})")
    long warmup;
    @Option(names = "--lr-scheduler", defaultValue = "cosine", paramLabel = "NAME", description = "cosine, const or const-cooldown (default: ${DEFAULT-VALUE})")
    String lrScheduler;
    @Option(names = "--lr-cooldown-end", paramLabel = "LR", description = "const-cooldown: final lr (default: 0.0)")
    Double lrCooldownEnd;
    @Option(names = "--lr-cooldown-power", paramLabel = "P", description = "const-cooldown: decay power (default: 1.0)")
    Double lrCooldownPower;
    @Option(names = "--accum-freq", defaultValue = "1", paramLabel = "K", description = "gradient accumulation micro-batches (default: ${DEFAULT-VALUE})")
    int accumFreq;
    @Option(names = "--grad-clip-norm", paramLabel = "NORM", description = "clip the gradients' total 2-norm")
    Double gradClipNorm;
    @Option(names = "--precision", defaultValue = "amp", paramLabel = "P", description = "amp, amp_bf16, amp_bfloat16, pure_bf16, pure_fp16, fp32 (default: ${DEFAULT-VALUE})")
    String precision;
    @Option(names = "--grad-checkpointing", description = "recompute block activations in backward")
    boolean gradCheckpointing;
    @Option(names = "--local-loss", description = "contrastive loss over local rows only (the reference's only mode)")
    boolean localLoss;
    @Option(names = "--gather-with-grad", description = "all-gathered features carry gradient")
    boolean gatherWithGrad;
    @Option(names = "--lcl-contrastive-loss-weight", defaultValue = "0.1", paramLabel = "W", description = "(default: ${DEFAULT-VALUE})")
    double contrastiveWeight;
    @Option(names = "--lcl-generation-loss-weight", defaultValue = "1.0", paramLabel = "W", description = "(default: ${DEFAULT-VALUE})")
    double generationWeight;
    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--max-nonfinite-steps", defaultValue = "20", paramLabel = "N",
            description = "stop after this many consecutive steps with a non-finite loss or gradients (default: ${DEFAULT-VALUE})")
    int maxNonFiniteSteps;

    // ---- run ----
    @Option(names = "--logs", defaultValue = "./logs/", paramLabel = "DIR", description = "(default: ${DEFAULT-VALUE})")
    Path logs;
    @Option(names = "--name", paramLabel = "NAME", description = "run name (default: date-model-lr-b-j-p as OpenCLIP)")
    String name;
    @Option(names = "--save-frequency", defaultValue = "1", paramLabel = "N", description = "save epoch_N.pt every N epochs (default: ${DEFAULT-VALUE})")
    int saveFrequency;
    @Option(names = "--save-most-recent", description = "also keep checkpoints/epoch_latest.pt")
    boolean saveMostRecent;
    @Option(names = "--delete-previous-checkpoint", description = "remove epoch_{N-1}.pt after writing epoch_N.pt")
    boolean deletePreviousCheckpoint;
    @Option(names = "--resume", paramLabel = "latest|FILE", description = "resume from a checkpoint, or the run's latest")
    String resume;
    @Option(names = "--log-every-n-steps", defaultValue = "100", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})")
    int logEveryNSteps;
    @Option(names = "--val-frequency", defaultValue = "1", paramLabel = "N", description = "accepted for OpenCLIP scripts; validation data is not supported yet")
    int valFrequency;
    @Option(names = "--zeroshot-frequency", defaultValue = "2", paramLabel = "N",
            description = "accepted for OpenCLIP scripts; as in OpenCLIP it does nothing without --imagenet-val (use lcl eval)")
    int zeroshotFrequency;
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda[:N]", description = "(default: ${DEFAULT-VALUE})")
    String device;
    @Option(names = "--no-progress", description = "no progress bar even on a terminal")
    boolean noProgress;

    // ---- processes (torchrun's flags; without --nproc-per-node the torchrun/SLURM environment decides) ----
    @Option(names = "--nproc-per-node", paramLabel = "N", description = "start and supervise N worker processes on this node (torchrun style)")
    Integer nprocPerNode;
    @Option(names = "--nnodes", defaultValue = "1", paramLabel = "M", description = "nodes in the run, each starting --nproc-per-node workers (default: ${DEFAULT-VALUE})")
    int nnodes;
    @Option(names = "--node-rank", defaultValue = "0", paramLabel = "R", description = "this node's index, 0..nnodes-1 (default: ${DEFAULT-VALUE})")
    int nodeRank;
    @Option(names = "--master-addr", defaultValue = "127.0.0.1", paramLabel = "HOST", description = "host of rank 0's TCPStore (default: ${DEFAULT-VALUE})")
    String masterAddr;
    @Option(names = "--master-port", defaultValue = "29500", paramLabel = "PORT", description = "port of rank 0's TCPStore (default: ${DEFAULT-VALUE})")
    int masterPort;
    @Option(names = "--dist-timeout", defaultValue = "1800", paramLabel = "SECONDS",
            description = "rendezvous and collective timeout: a rank waiting longer for the others fails instead of hanging (default: ${DEFAULT-VALUE})")
    long distTimeout;
    @Option(names = "--failure-grace", defaultValue = "10", paramLabel = "SECONDS",
            description = "--nproc-per-node: after a worker fails, the others get SIGTERM, then SIGKILL after this long (default: ${DEFAULT-VALUE})")
    long failureGrace;

    // ---- OpenCLIP flags not supported yet: accepted by name so that giving one is a clear error ----
    @Option(names = {"--val-data", "--val-num-samples", "--imagenet-val", "--imagenet-v2", "--csv-separator", "--csv-img-key",
            "--csv-caption-key", "--opt", "--momentum", "--report-to", "--wandb-project-name", "--wandb-notes", "--force-image-size",
            "--force-patch-dropout", "--lock-image-unlocked-groups", "--lock-text-unlocked-layers", "--dist-url", "--dist-backend",
            "--remote-sync", "--remote-sync-frequency", "--remote-sync-protocol", "--distill-model", "--distill-pretrained",
            "--pretrained-image", "--coca-caption-loss-weight", "--coca-contrastive-loss-weight", "--image-mean", "--image-std",
            "--image-interpolation", "--image-resize-mode", "--aug-cfg", "--trace"},
            hidden = true, paramLabel = "VALUE", arity = "1")
    List<String> unsupportedWithValue = new ArrayList<>();
    @Option(names = {"--lock-image", "--lock-image-freeze-bn-stats", "--lock-text", "--lock-text-freeze-layer-norm", "--force-quick-gelu",
            "--force-custom-text", "--torchscript", "--use-bn-sync", "--horovod", "--ddp-static-graph", "--no-set-device-rank",
            "--copy-codebase", "--debug", "--siglip", "--use-bnb-linear", "--skip-scheduler", "--log-local"},
            hidden = true)
    List<Boolean> unsupportedSwitch = new ArrayList<>();

    @Override
    public Integer call() {
        try {
            refuseUnsupported();
            TrainConfig cfg = config();
            Map<String, Object> params = params();
            params.put("name", cfg.run().name());
            params.put("lr", cfg.optim().lr());
            params.put("beta1", cfg.optim().beta1());
            params.put("beta2", cfg.optim().beta2());
            params.put("eps", cfg.optim().eps());
            params.put("dataset_type", cfg.data().datasetType());
            if (distTimeout < 1 || failureGrace < 0) {
                throw new IllegalArgumentException("--dist-timeout must be positive and --failure-grace >= 0");
            }
            if (nprocPerNode != null) {
                return launch(cfg);
            }
            return TrainRun.run(cfg, params, DistEnv.from(System.getenv()), Duration.ofSeconds(distTimeout)).exitCode();
        } catch (IllegalArgumentException | IllegalStateException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 2;
        }
    }

    /** The launcher flags, which the workers do not get. */
    private static final List<String> LAUNCHER_FLAGS = List.of("--nproc-per-node", "--nnodes", "--node-rank", "--master-addr",
            "--master-port", "--failure-grace");

    private int launch(TrainConfig cfg) {
        WorkerLauncher.Topology t = new WorkerLauncher.Topology(nprocPerNode, nnodes, nodeRank, masterAddr, masterPort);
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        int train = original.indexOf("train");
        List<String> args = new ArrayList<>(WorkerLauncher.workerArgs(original.subList(train + 1, original.size()), LAUNCHER_FLAGS));
        if (name == null) {
            // One run folder for all workers, whatever second each one starts in.
            args.add("--name");
            args.add(cfg.run().name());
        }
        return new WorkerLauncher(t, args, Duration.ofSeconds(failureGrace), System.out).run();
    }

    private void refuseUnsupported() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        // The unsupported flags share two options, so the name given is found in the arguments.
        for (String arg : parsed.expandedArgs()) {
            String name = arg.split("=", 2)[0];
            OptionSpec o = spec.findOption(name);
            if (o != null && o.hidden() && parsed.hasMatchedOption(o)) {
                throw new IllegalArgumentException(name + " is an OpenCLIP flag this project does not support yet");
            }
        }
    }

    TrainConfig config() {
        Precision p = Precision.parse(precision);
        String type = datasetType.toLowerCase(java.util.Locale.ROOT);
        if (type.equals("csv")) {
            throw new IllegalArgumentException("--dataset-type csv is not supported yet (use webdataset shards: lcl data make-shards)");
        }
        if (!List.of("auto", "webdataset", "mmc4", "synthetic").contains(type)) {
            throw new IllegalArgumentException("unknown --dataset-type " + datasetType + "; one of webdataset, mmc4, synthetic, auto");
        }
        if (type.equals("auto")) {
            type = autoType();
        }
        if (!type.equals("synthetic") && trainData == null) {
            throw new IllegalArgumentException("--dataset-type " + type + " needs --train-data");
        }
        conflict(upsamplingFactors != null && !datasetResampled, "--train-data-upsampling-factors", "no --dataset-resampled (factors need resampling)");
        conflict(datasetResampled && !type.equals("webdataset"), "--dataset-resampled", "--dataset-type " + type);
        conflict(useInterleavedWrapper && type.equals("mmc4"), "--use-interleaved-wrapper", "--dataset-type mmc4 (documents are interleaved already)");
        conflict(dataGlobalDistributed && !type.equals("mmc4"), "--data-global-distributed", "--dataset-type " + type + " (it partitions MMC4 shards)");
        conflict(epochsCooldown != null && !lrScheduler.equals("const-cooldown"), "--epochs-cooldown", "--lr-scheduler " + lrScheduler);
        conflict((lrCooldownEnd != null || lrCooldownPower != null) && !lrScheduler.equals("const-cooldown"),
                lrCooldownEnd != null ? "--lr-cooldown-end" : "--lr-cooldown-power", "--lr-scheduler " + lrScheduler);
        OptimizerDefaults d = OptimizerDefaults.forModel(model);
        double lrValue = lr != null ? lr : d.lr();
        String runName = name != null ? name
                : RunFolder.defaultName(LocalDateTime.now(), model, lrValue, batchSize, workers, p);
        TrainConfig.DataOptions data = new TrainConfig.DataOptions(type, trainData, upsamplingFactors, trainNumSamples, datasetResampled,
                batchSize, workers, useInterleavedWrapper, interleavedContextLength, numImgToken, imgFirstProb, dataGlobalDistributed,
                tokenizer, vocab);
        TrainConfig.OptimOptions optim = new TrainConfig.OptimOptions(epochs, lrValue, beta1 != null ? beta1 : d.beta1(),
                beta2 != null ? beta2 : d.beta2(), eps != null ? eps : d.eps(), wd, warmup, lrScheduler,
                epochsCooldown == null ? 0 : epochsCooldown, lrCooldownEnd == null ? 0.0 : lrCooldownEnd,
                lrCooldownPower == null ? 1.0 : lrCooldownPower, accumFreq, gradClipNorm, p, gradCheckpointing, localLoss,
                gatherWithGrad, contrastiveWeight, generationWeight, maxNonFiniteSteps);
        TrainConfig.RunOptions run = new TrainConfig.RunOptions(logs, runName, saveFrequency, saveMostRecent, deletePreviousCheckpoint,
                resume, pretrained, logEveryNSteps, !noProgress);
        return new TrainConfig(model, data, optim, run, Device.parse(device), seed);
    }

    private String autoType() {
        if (trainData == null) {
            throw new IllegalArgumentException("--dataset-type auto needs --train-data (or give --dataset-type synthetic)");
        }
        if (trainData.contains(".tar")) {
            return "webdataset";
        }
        Path root = Path.of(trainData);
        if (java.nio.file.Files.isDirectory(root.resolve("data")) && java.nio.file.Files.isDirectory(root.resolve("images"))) {
            return "mmc4";
        }
        throw new IllegalArgumentException("--dataset-type auto cannot tell the type of --train-data " + trainData
                + " (neither .tar shards nor an MMC4 root with data/ and images/); give --dataset-type");
    }

    private static void conflict(boolean contradictory, String a, String b) {
        if (contradictory) {
            throw new IllegalArgumentException("contradictory flags: " + a + " with " + b);
        }
    }

    /** Every flag with its effective value, for params.txt (OpenCLIP writes all its args). */
    Map<String, Object> params() {
        Map<String, Object> out = new TreeMap<>();
        for (OptionSpec o : spec.options()) {
            if (o.hidden() || o.usageHelp() || o.versionHelp()) {
                continue;
            }
            String key = o.longestName().replaceFirst("^--", "").replace('-', '_');
            Object v = o.getValue();
            out.put(key, v);
        }
        return out;
    }
}
