package org.lcl.models.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lcl.dsl.layers.AttentivePool;
import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.model.LclModel;
import org.lcl.models.model.LclOutput;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Functional;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;

/**
 * LCL against the independent PyTorch reference ({@code src/test/python/lcl_reference.py}, fixtures
 * by {@code make_model_fixtures.py}; see {@link Fixture} for the error measure). Each fixture runs
 * with the Java model in float32 (tolerance 1e-5 on every tensor) and in float64 (1e-10 on every
 * value computed in float64 end to end; 1e-5 on what passes through the contrastive features,
 * which the model L2-normalises in float32 by design: the features, both losses' total, gradients).
 */
class LclReferenceTest {

    static final double TOL = 1e-5;
    static final double TOL64 = 1e-10;
    static final double CONTRASTIVE_WEIGHT = 0.1;
    static final double GENERATION_WEIGHT = 1.0;

    static Stream<Fixture> fixtures() {
        return Fixture.all(true);
    }

    static Stream<Arguments> cases() {
        return fixtures().flatMap(f -> Stream.of(Arguments.of(f, DType.FLOAT32), Arguments.of(f, DType.FLOAT64)));
    }

    /** The tolerance of a value that is float64 end to end in a float64 model. */
    static double exact(DType dtype) {
        return dtype == DType.FLOAT64 ? TOL64 : TOL;
    }

    /** Each block alone, fed the reference's input of that block. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void blocks(Fixture f, DType dtype) {
        try (Scope s = Scope.open(); LclModel m = (LclModel) f.model(dtype); GradMode g = GradMode.noGrad()) {
            m.eval();
            Map<String, Tensor> io = f.io();
            Fixture.Check c = new Fixture.Check(f + " " + dtype + " blocks");
            double tol = exact(dtype);
            Tensor images = io.get("images").to(dtype);
            Tensor ids = io.get("ids");
            c.close("visual.conv1.out", m.get("visual.conv1").forward(images), io.get("visual.conv1.out"), tol);
            c.close("visual.resblocks.0.out", m.get("visual.transformer.resblocks.0").forward(io.get("visual.resblocks.0.in").to(dtype)),
                    io.get("visual.resblocks.0.out"), tol);
            c.close("visual.out", m.imageTokens(images), io.get("visual.out"), tol);
            AttentivePool.Output po = m.poolProject().forwardBoth(io.get("visual.out").to(dtype));
            c.close("pool.pooled", po.pooled(), io.get("pool.pooled"), tol);
            c.close("pool.projected", po.projected(), io.get("pool.projected"), tol);
            c.close("pool.forward", m.poolProject().forward(io.get("visual.out").to(dtype)), io.get("pool.pooled"), tol);
            c.close("text.embeddings", m.interleavedEmbeddings(io.get("pool.projected").to(dtype), ids), io.get("text.embeddings"), tol);
            c.close("text.resblocks.0.out", m.get("text.transformer.resblocks.0").forward(io.get("text.resblocks.0.in").to(dtype)),
                    io.get("text.resblocks.0.out"), tol);
            c.close("text.out", m.text().forwardEmbeddings(io.get("text.embeddings").to(dtype)), io.get("text.out"), tol);
            c.close("encode_image", m.encodeImage(images, true), io.get("encode_image"), TOL);
            c.close("zeroshot.text_features", m.encodeText(io.get("zeroshot.ids"), true), io.get("zeroshot.text_features"), TOL);
            c.report();
        }
    }

    /** The whole forward, the LCL loss and the gradient of the total loss w.r.t. every parameter. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void forwardLossAndGradients(Fixture f, DType dtype) {
        try (Scope s = Scope.open(); LclModel m = (LclModel) f.model(dtype)) {
            Map<String, Tensor> io = f.io();
            Fixture.Check c = new Fixture.Check(f + " " + dtype + " forward, loss, gradients");
            double tol = exact(dtype);
            LclOutput out = m.forward(io.get("images").to(dtype), io.get("ids"));
            c.close("image_features", out.imageFeatures(), io.get("image_features"), TOL);
            c.close("text_features", out.textFeatures(), io.get("text_features"), TOL);
            c.close("logit_scale", out.logitScale(), io.get("logit_scale"), tol);
            c.close("logits", out.logits(), io.get("logits"), tol);
            c.equal("labels", out.labels(), io.get("labels"));
            Tensor[] loss = loss(out);
            c.close("loss.contrastive", loss[0], io.get("loss.contrastive"), TOL);
            c.close("loss.generation", loss[1], io.get("loss.generation"), tol);
            c.close("loss.total", loss[2], io.get("loss.total"), TOL);
            loss[2].backward();
            checkGradients(c, m.namedParameters(), io, TOL);
            c.report();
        }
    }

    /** The state dict's keys in the reference's order; save → load → bit-identical outputs and gradients. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void saveLoadIdentical(Fixture f, @TempDir Path tmp) throws Exception {
        try (Scope s = Scope.open(); LclModel m = (LclModel) f.model(DType.FLOAT32)) {
            Map<String, Tensor> weights = f.weights();
            assertEquals(List.copyOf(weights.keySet()), List.copyOf(m.stateDict().keySet()), "state-dict keys and order");
            Path file = tmp.resolve("lcl.pt");
            Torch.save(m.stateDict(), file);
            assertTrue(Files.size(file) > 0);
            Map<String, Tensor> saved = Fixture.tensors(file);
            assertEquals(List.copyOf(weights.keySet()), List.copyOf(saved.keySet()), "saved keys and order");
            weights.forEach((k, w) -> assertTrue(w.equal(saved.get(k)), k + ": saved value differs from the loaded one"));
            try (LclModel fresh = (LclModel) Models.create(f.config(), Device.CPU, DType.FLOAT32, false)) {
                fresh.loadStateDict(saved, true);
                Map<String, Tensor> io = f.io();
                List<Tensor> a = run(m, io);
                List<Tensor> b = run(fresh, io);
                assertEquals(a.size(), b.size());
                for (int i = 0; i < a.size(); i++) {
                    assertTrue(a.get(i).equal(b.get(i)), "output " + i + " differs after save → load");
                }
            }
        }
    }

    /** Every output, the loss and every gradient of one forward/backward. */
    private static List<Tensor> run(LclModel m, Map<String, Tensor> io) {
        LclOutput out = m.forward(io.get("images"), io.get("ids"));
        Tensor[] loss = loss(out);
        loss[2].backward();
        List<Tensor> all = new ArrayList<>(List.of(out.imageFeatures(), out.textFeatures(), out.logitScale(), out.logits(),
                out.labels(), loss[0], loss[1], loss[2]));
        m.namedParameters().values().forEach(p -> all.add(p.grad()));
        return all;
    }

    /**
     * The LCL loss of one process (lcl-spec.md "Loss"): L_con = ½(CE(s·I·Tᵀ, arange) + CE(s·T·Iᵀ,
     * arange)) in float32 (or the features' wider dtype), s = the output's exp(logit_scale);
     * L_gen = token-mean CE of the logits against the labels, ignore_index 0. Returns
     * {L_con, L_gen, 0.1·L_con + 1.0·L_gen}.
     */
    static Tensor[] loss(LclOutput out) {
        Tensor con = contrastive(out.imageFeatures(), out.textFeatures(), out.logitScale());
        Tensor gen = Functional.crossEntropy(out.logits(), out.labels(), null, Functional.Reduction.MEAN, SpecialTokens.PAD, 0.0);
        Tensor total = con.mul(CONTRASTIVE_WEIGHT).add(gen.mul(GENERATION_WEIGHT));
        return new Tensor[] {con, gen, total};
    }

    static Tensor contrastive(Tensor imageFeatures, Tensor textFeatures, Tensor logitScale) {
        DType d = imageFeatures.dtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32;
        Tensor i = imageFeatures.to(d);
        Tensor t = textFeatures.to(d);
        Tensor scale = logitScale.to(d);
        Tensor labels = Torch.arange(0, i.size(0), 1, TensorOptions.of(DType.INT64, i.device()));
        Tensor perImage = i.matmul(t.t()).mul(scale);
        Tensor perText = t.matmul(i.t()).mul(scale);
        return Functional.crossEntropy(perImage, labels).add(Functional.crossEntropy(perText, labels)).div(2.0);
    }

    /** Compares every parameter's gradient; the floor is 1e-2 of the model's largest gradient (see {@link Fixture}). */
    static void checkGradients(Fixture.Check c, Map<String, Tensor> params, Map<String, Tensor> io, double tol) {
        double largest = 0;
        for (String k : params.keySet()) {
            largest = Math.max(largest, io.get("grad." + k).abs().max().item());
        }
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor expected = io.get("grad." + e.getKey());
            Tensor grad = e.getValue().grad();
            c.close("grad." + e.getKey(), grad == null ? Torch.zerosLike(e.getValue()) : grad, expected, tol, 1e-2 * largest);
        }
    }
}
