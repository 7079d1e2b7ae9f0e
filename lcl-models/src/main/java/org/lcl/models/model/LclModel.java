package org.lcl.models.model;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Module;
import org.lcl.dsl.layers.AttentivePool;
import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.torch.DType;
import org.lcl.torch.Functional;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * Latent Compression Learning's model (lcl-spec.md, "Model" and "Forward"). State dict, in the
 * reference's order: {@code logit_scale}, {@code visual.*} (no {@code visual.proj}),
 * {@code text.*}, {@code pool_project.*}, {@code lm_head.0.*}, {@code lm_head.1.weight}.
 */
public final class LclModel extends ImageTextModel {

    private final LogitScale scalars;
    private final Module visual;
    private final TextDecoder text;
    private final AttentivePool poolProject;
    private final Module lmHead;
    private final SpecialTokens special;
    private final long numImageTokens;

    LclModel(LclModelSpec spec, CompileContext ctx) {
        super(spec.cfg());
        // Built in the reference's construction order, registered in its state-dict order
        // (PyTorch lists a module's own parameters, here logit_scale, before its children).
        Module v = spec.visual().build(ctx);
        TextDecoder t = (TextDecoder) spec.text().build(ctx);
        AttentivePool p = (AttentivePool) spec.poolProject().build(ctx);
        Module lm = spec.lmHead().build(ctx);
        LogitScale s = (LogitScale) spec.scalars().build(ctx);
        scalars = addModule(s);
        visual = addModule(v);
        text = addModule(t);
        poolProject = addModule(p);
        lmHead = addModule(lm);
        special = spec.cfg().specialTokens();
        numImageTokens = spec.cfg().visionCfg().numPatches();
    }

    @Override
    public Module visual() {
        return visual;
    }

    @Override
    public TextDecoder text() {
        return text;
    }

    public AttentivePool poolProject() {
        return poolProject;
    }

    public Module lmHead() {
        return lmHead;
    }

    public SpecialTokens specialTokens() {
        return special;
    }

    /** N: visual tokens per image (the run of {@code <img_placehold>} each image fills). */
    public long numImageTokens() {
        return numImageTokens;
    }

    @Override
    public Tensor logitScale() {
        return scalars.scale;
    }

    @Override
    public Tensor logitBias() {
        return scalars.bias;
    }

    /** The vision encoder's product: patch tokens after ln_post, class token dropped → [B, N, Wv]. */
    public Tensor imageTokens(Tensor images) {
        return visual.forward(images);
    }

    /** The image latent: attentive pooling of the patch tokens → [B, D]. */
    @Override
    public Tensor encodeImage(Tensor images, boolean normalize) {
        try (Scope s = Scope.open()) {
            Tensor pooled = poolProject.forward(visual.forward(images));
            return (normalize ? Functional.normalize(pooled.to(DType.FLOAT32)) : pooled).moveOut();
        }
    }

    /**
     * Zero-shot text features as the reference's {@code encode_text}: every {@code <eot>} is
     * replaced by {@code <soi>} (ids itself is left unchanged) and the features at every
     * {@code <soi>} are returned, in (batch, position) order → [count(soi), D].
     */
    @Override
    public Tensor encodeText(Tensor ids, boolean normalize) {
        try (Scope s = Scope.open()) {
            Tensor t = ids.maskedFill(ids.eq(special.endOfText()), special.startOfImage());
            Tensor f = text.features(text.forward(t).index(t.eq(special.startOfImage())));
            return (normalize ? Functional.normalize(f.to(DType.FLOAT32)) : f).moveOut();
        }
    }

    /**
     * Step 2 of the forward: token embeddings for every id, then the {@code <img_placehold>}
     * positions overwritten, in row-major (batch, position) order, by {@code projected.flatten(0, 1)}.
     * (Embedding the placeholder ids too and overwriting them is the reference's result exactly:
     * the overwritten rows get no gradient.) projected [B_img, N, Wt] (or null for no images),
     * ids [B, L] → [B, L, Wt].
     */
    public Tensor interleavedEmbeddings(Tensor projected, Tensor ids) {
        try (Scope s = Scope.open()) {
            Tensor imgMask = ids.eq(special.imagePlaceholder());
            long placeholders = imgMask.sum().itemLong();
            long images = projected == null ? 0 : projected.size(0);
            long perImage = projected == null ? numImageTokens : projected.size(1);
            if (placeholders != images * perImage) {
                throw new IllegalArgumentException("interleaved batch: ids hold " + placeholders + " <img_placehold> tokens, but "
                        + images + " images x " + perImage + " visual tokens = " + images * perImage
                        + "; each image must fill exactly one run of " + perImage
                        + " placeholders, images ordered by (sequence, position) of their placeholders");
            }
            Tensor x = text.embed(ids);
            if (images > 0) {
                x = x.indexPut(imgMask, projected.flatten(0, 1).to(x.dtype()), false);
            }
            return x.moveOut();
        }
    }

    /**
     * LCL's forward (lcl-spec.md, steps 1–5) on images [B_img, 3, H, W] (null when the batch
     * has none) and interleaved ids [B, L]. Images are matched to the {@code <soi>} tokens and to
     * the runs of placeholders in (batch, position) order; both counts are checked.
     */
    public LclOutput forward(Tensor images, Tensor ids) {
        if (ids.dim() != 2) {
            throw new IllegalArgumentException("LCL forward expects ids [B, L], got shape " + java.util.Arrays.toString(ids.shape()));
        }
        try (Scope s = Scope.open()) {
            long b = ids.size(0);
            long l = ids.size(1);
            Tensor soiMask = ids.eq(special.startOfImage());
            long numImages = images == null ? 0 : images.size(0);
            long numSoi = soiMask.sum().itemLong();
            if (numSoi != numImages) {
                throw new IllegalArgumentException("interleaved batch: ids hold " + numSoi + " <start_of_img> tokens but the batch has "
                        + numImages + " images (one <start_of_img> per image)");
            }
            // 1. Vision tower and attentive pooling: latents [B_img, D], visual tokens [B_img, N, D].
            Tensor pooled = null;
            Tensor projected = null;
            if (numImages > 0) {
                AttentivePool.Output po = poolProject.forwardBoth(visual.forward(images));
                pooled = po.pooled();
                projected = po.projected();
            }
            // 2–3. Interleaved embeddings through the causal decoder.
            Tensor out = text.forwardEmbeddings(interleavedEmbeddings(projected, ids));
            // 4. Contrastive pairs: <soi> positions except position 0.
            Tensor pos = Torch.arange(0, l, 1, TensorOptions.of(DType.INT64, ids.device())).view(1, l).expand(b, l);
            Tensor soiMid = soiMask.logicalAnd(pos.gt(0));
            Tensor textFeatures = Functional.normalize(text.features(out.index(soiMid)).to(DType.FLOAT32));
            Tensor imageFeatures;
            if (numImages > 0) {
                Tensor keep = pos.index(soiMask).gt(0);
                imageFeatures = Functional.normalize(pooled.index(keep).to(DType.FLOAT32));
            } else {
                imageFeatures = Torch.zeros(TensorOptions.of(DType.FLOAT32, ids.device()), 0, textFeatures.size(1));
            }
            // 5. Generation: positions whose next id is not <img_placehold>, <end_of_img> or pad.
            Tensor next = ids.narrow(1, 1, l - 1);
            Tensor gen = next.ne(special.imagePlaceholder()).logicalAnd(next.ne(special.endOfImage())).logicalAnd(next.ne(SpecialTokens.PAD));
            Tensor logits = lmHead.forward(out.narrow(1, 0, l - 1).index(gen));
            Tensor labels = next.index(gen);
            Tensor scale = logitScale().exp();
            return new LclOutput(imageFeatures.moveOut(), textFeatures.moveOut(), scale.moveOut(), logits.moveOut(), labels.moveOut());
        }
    }
}
