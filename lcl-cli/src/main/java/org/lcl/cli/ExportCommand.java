package org.lcl.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.lcl.models.checkpoint.Export;
import org.lcl.torch.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Exports a checkpoint's vision encoder (or whole model) with its config embedded (docs/inference.md). */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a checkpoint's vision encoder with its pooling projection (--part visual: visual.* and, for LCL, "
                + "pool_project.*; for CLIP visual.* including proj), or the whole model (--part full), as safetensors or a "
                + "torch.save file, with the model config embedded (safetensors: __metadata__ lcl_config / lcl_part / lcl_model; "
                + "pt: 'config', 'part', 'model' entries beside 'state_dict'). The file is written atomically.",
                "The checkpoint may be an OpenCLIP training checkpoint (epoch, name, state_dict, optimizer; 'module.' prefixes "
                + "stripped), a bare state dict, a safetensors file or an earlier export. Its model is --model, else the config "
                + "embedded in it, else a sidecar <checkpoint>.json, else the model named in its OpenCLIP run name."})
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "checkpoint to read (.pt / .safetensors)")
    Path checkpoint;

    @Option(names = "--part", defaultValue = "visual", paramLabel = "visual|full",
            description = "visual: the vision encoder with its pooling projection; full: every key (default: ${DEFAULT-VALUE})")
    String part;

    @Option(names = "--format", paramLabel = "safetensors|pt",
            description = "output format (default: from the output's extension, .safetensors or .pt/.pth/.bin)")
    String format;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "file to write")
    Path output;

    @Option(names = "--model", paramLabel = "NAME",
            description = "model config name (configs/NAME.json) or JSON file; needed when the checkpoint does not say which model it holds")
    String model;

    @Option(names = "--dtype", paramLabel = "DTYPE",
            description = "convert floating-point tensors to float32, float16 or bfloat16 (default: keep the checkpoint's)")
    String dtype;

    @Option(names = "--non-strict", description = "drop checkpoint keys the model does not have instead of failing")
    boolean nonStrict;

    @Option(names = "--sidecar", description = "also write the config as <output>.json")
    boolean sidecar;

    @Override
    public Integer call() {
        try {
            Export.Part p = Export.Part.parse(part);
            Export.Format f = format != null ? Export.Format.parse(format) : Export.Format.fromFileName(output);
            if (f == null) {
                throw new IllegalArgumentException("cannot tell the format from the output name " + output.getFileName()
                        + ": pass --format safetensors or --format pt");
            }
            DType d = dtype == null ? null : DType.parse(dtype);
            Export.Options options = new Export.Options(p, f, d, !nonStrict, sidecar);
            Export.Report r = Export.exportCheckpoint(checkpoint, model, output, options);
            r.warnings().forEach(w -> System.err.println("warning: " + w));
            if (!r.droppedKeys().isEmpty()) {
                System.err.println("warning: dropped " + r.droppedKeys().size() + " checkpoint keys the model does not have: " + r.droppedKeys());
            }
            System.out.println("wrote " + Export.summary(r));
            System.out.println("model config: " + r.config().origin());
            if (r.leftOut() > 0) {
                System.out.println("left out " + r.leftOut() + " keys outside the " + p + " part");
            }
            if (r.sidecar() != null) {
                System.out.println("sidecar: " + r.sidecar());
            }
            return 0;
        } catch (IOException | IllegalArgumentException e) {  // also ConfigException, ModelDefinitionException
            System.err.println("error: " + e.getMessage());
            return 2;
        }
    }
}
