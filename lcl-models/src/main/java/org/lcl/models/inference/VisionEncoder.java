package org.lcl.models.inference;

import java.util.List;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Dsl;
import org.lcl.dsl.ModelDefinitionException;
import org.lcl.dsl.Module;
import org.lcl.dsl.Shape;
import org.lcl.dsl.layers.AttentivePool;
import org.lcl.dsl.layers.AttentivePoolSpec;
import org.lcl.dsl.layers.Projection;
import org.lcl.dsl.layers.SequenceSpec;
import org.lcl.dsl.layers.Sequential;
import org.lcl.dsl.layers.TokenPoolSpec;
import org.lcl.models.checkpoint.Export;
import org.lcl.models.config.ModelConfig;
import org.lcl.models.config.PoolProjectConfig;
import org.lcl.models.config.VisionConfig;
import org.lcl.models.model.VisionTransformers;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Functional;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/**
 * The image side of a model on its own: {@code visual} (the ViT) and, for LCL,
 * {@code pool_project} (the attentive pooling) — the keys of an export's "visual" part, with the
 * same names as in the full model, so a full checkpoint's {@code visual.*} and
 * {@code pool_project.*} load into it unchanged. Built exactly as {@code LclModel} /
 * {@code ClipModel} build these parts, so its outputs equal the full model's
 * {@code encodeImage} / {@code imageTokens}.
 */
public final class VisionEncoder extends Module {

    private final ModelConfig config;
    private final Module visual;
    private final AttentivePool poolProject;

    private VisionEncoder(ModelConfig config, Module visual, AttentivePool poolProject) {
        super("");
        this.config = config;
        this.visual = addModule(visual);
        this.poolProject = poolProject == null ? null : addModule(poolProject);
    }

    /**
     * Checks and builds the vision encoder of a config (errors name the layer path, as
     * {@code Models.create}); with initialise false the parameters are left uninitialised, for
     * loading weights.
     */
    public static VisionEncoder create(ModelConfig cfg, Device device, DType dtype, boolean initialise) {
        VisionConfig v = cfg.visionCfg();
        SequenceSpec visualSpec = VisionTransformers.spec(v, cfg.embedDim(), !cfg.isLcl(), cfg.quickGelu());
        Shape tokens = visualSpec.check(Shape.of(Shape.ANY, 3, v.imageSize(), v.imageSize()), "visual");
        AttentivePoolSpec poolSpec = null;
        if (cfg.isLcl()) {
            PoolProjectConfig p = cfg.poolProjectCfg();
            if (p.inputDim() != v.width()) {
                throw new ModelDefinitionException("pool_project", "input_dim " + p.inputDim() + " differs from the vision width " + v.width()
                        + " (pool_project_cfg.input_dim must equal vision_cfg.width)");
            }
            poolSpec = Dsl.attentivePool("pool_project", p.inputDim(), p.outputDim(), p.attnNumHeads());
            poolSpec.check(tokens, "pool_project");
        }
        CompileContext ctx = new CompileContext(device, dtype, initialise);
        Module visual = visualSpec.build(ctx);
        AttentivePool pool = null;
        try {
            pool = poolSpec == null ? null : (AttentivePool) poolSpec.build(ctx);
        } catch (RuntimeException e) {
            visual.close();
            throw e;
        }
        return new VisionEncoder(cfg, visual, pool);
    }

    /** Whether a state-dict key belongs to the vision encoder of an LCL model (lcl) or a CLIP. */
    public static boolean owns(String key, boolean lcl) {
        return Export.Part.VISUAL.contains(key, lcl);
    }

    public ModelConfig config() {
        return config;
    }

    public boolean isLcl() {
        return poolProject != null;
    }

    /** The ViT ({@code visual.*}). */
    public Module visual() {
        return visual;
    }

    /** The attentive pooling ({@code pool_project.*}), or null for CLIP. */
    public AttentivePool poolProject() {
        return poolProject;
    }

    /** Width of the image latent: pool_project output_dim for LCL, embed_dim for CLIP. */
    public long latentDim() {
        return isLcl() ? config.poolProjectCfg().outputDim() : config.embedDim();
    }

    /** Width of {@link #tokens}: pool_project output_dim for LCL, the ViT width for CLIP. */
    public long tokenDim() {
        return isLcl() ? config.poolProjectCfg().outputDim() : config.visionCfg().width();
    }

    /** Tokens per image of {@link #tokens}: the patch count (the whole sequence for CLIP's pool_type "none"). */
    public long tokenCount() {
        long n = config.visionCfg().numPatches();
        return !isLcl() && "none".equals(config.visionCfg().poolType()) ? n + 1 : n;
    }

    /**
     * Image latents [B, D]: LCL's attentive pooling of the patch tokens ({@code LclModel.encodeImage}),
     * CLIP's pooled and projected features ({@code ClipModel.encodeImage}); L2-normalised in
     * float32 when normalize. images [B, 3, S, S] in the encoder's dtype.
     */
    public Tensor latents(Tensor images, boolean normalize) {
        try (Scope s = Scope.open()) {
            Tensor f = isLcl() ? poolProject.forward(visual.forward(images)) : visual.forward(images);
            return (normalize ? Functional.normalize(f.to(DType.FLOAT32)) : f).moveOut();
        }
    }

    /**
     * Per-token features [B, N, Dt]. LCL: the patch tokens projected by the pooling's value path
     * (the decoder's input embeddings, {@code pool_project.forwardBoth(...).projected()}), Dt =
     * output_dim. CLIP: the ViT's patch tokens as OpenCLIP's {@code output_tokens} (after
     * {@code ln_post} unless final_ln_after_pool, class token dropped for pool_type tok/avg,
     * not projected), Dt = the ViT width.
     */
    public Tensor tokens(Tensor images) {
        try (Scope s = Scope.open()) {
            if (isLcl()) {
                return poolProject.forwardBoth(visual.forward(images)).projected().moveOut();
            }
            return clipTokens(images).moveOut();
        }
    }

    private Tensor clipTokens(Tensor images) {
        if (!(visual instanceof Sequential seq)) {
            throw new IllegalStateException("visual is a " + visual.getClass().getSimpleName() + ", not a sequence of layers");
        }
        List<Module> layers = seq.layers();
        Tensor h = images;
        for (Module layer : layers) {
            if (layer instanceof TokenPoolSpec.TokenPool) {
                return h.narrow(1, 1, h.size(1) - 1);   // OpenCLIP's _global_pool: tokens = x[:, 1:]
            }
            if (layer instanceof Projection) {
                return h;                                // pool_type none: tokens = x
            }
            h = layer.forward(h);
        }
        return h;
    }
}
