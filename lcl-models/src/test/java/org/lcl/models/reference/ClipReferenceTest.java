package org.lcl.models.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lcl.models.model.ClipModel;
import org.lcl.models.model.ClipOutput;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * OpenCLIP's CLIP (the baseline) against the independent PyTorch reference; tolerances as in
 * {@link LclReferenceTest}: 1e-5 in float32; in float64 1e-10 on the unnormalised towers and the
 * blocks, 1e-5 on what the model normalises in float32 (features, loss, gradients).
 */
class ClipReferenceTest {

    static Stream<Fixture> fixtures() {
        return Fixture.all(false);
    }

    static Stream<Arguments> cases() {
        return fixtures().flatMap(f -> Stream.of(Arguments.of(f, DType.FLOAT32), Arguments.of(f, DType.FLOAT64)));
    }

    /** The state-dict prefix of the text tower: "text." with custom_text, none for CLIP's layout. */
    private static String textPrefix(ClipModel m) {
        return m.config().customText() ? "text." : "";
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void blocksAndTowers(Fixture f, DType dtype) {
        try (Scope s = Scope.open(); ClipModel m = (ClipModel) f.model(dtype); GradMode g = GradMode.noGrad()) {
            m.eval();
            Map<String, Tensor> io = f.io();
            Fixture.Check c = new Fixture.Check(f + " " + dtype + " blocks and towers");
            double tol = LclReferenceTest.exact(dtype);
            Tensor images = io.get("images").to(dtype);
            c.close("visual.conv1.out", m.get("visual.conv1").forward(images), io.get("visual.conv1.out"), tol);
            c.close("visual.resblocks.0.out", m.get("visual.transformer.resblocks.0").forward(io.get("visual.resblocks.0.in").to(dtype)),
                    io.get("visual.resblocks.0.out"), tol);
            c.close("text.resblocks.0.out", m.get(textPrefix(m) + "transformer.resblocks.0").forward(io.get("text.resblocks.0.in").to(dtype)),
                    io.get("text.resblocks.0.out"), tol);
            c.close("encode_image", m.encodeImage(images, false), io.get("encode_image"), tol);
            c.close("encode_text", m.encodeText(io.get("ids"), false), io.get("encode_text"), tol);
            c.report();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void forwardLossAndGradients(Fixture f, DType dtype) {
        try (Scope s = Scope.open(); ClipModel m = (ClipModel) f.model(dtype)) {
            Map<String, Tensor> io = f.io();
            Fixture.Check c = new Fixture.Check(f + " " + dtype + " forward, loss, gradients");
            ClipOutput out = m.forward(io.get("images").to(dtype), io.get("ids"));
            c.close("image_features", out.imageFeatures(), io.get("image_features"), LclReferenceTest.TOL);
            c.close("text_features", out.textFeatures(), io.get("text_features"), LclReferenceTest.TOL);
            c.close("logit_scale", out.logitScale(), io.get("logit_scale"), LclReferenceTest.exact(dtype));
            Tensor loss = LclReferenceTest.contrastive(out.imageFeatures(), out.textFeatures(), out.logitScale());
            c.close("loss.contrastive", loss, io.get("loss.contrastive"), LclReferenceTest.TOL);
            loss.backward();
            LclReferenceTest.checkGradients(c, m.namedParameters(), io, LclReferenceTest.TOL);
            c.report();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void saveLoadIdentical(Fixture f, @TempDir Path tmp) throws Exception {
        try (Scope s = Scope.open(); ClipModel m = (ClipModel) f.model(DType.FLOAT32)) {
            Map<String, Tensor> weights = f.weights();
            assertEquals(List.copyOf(weights.keySet()), List.copyOf(m.stateDict().keySet()), "state-dict keys and order");
            Path file = tmp.resolve("clip.pt");
            Torch.save(m.stateDict(), file);
            Map<String, Tensor> saved = Fixture.tensors(file);
            assertEquals(List.copyOf(weights.keySet()), List.copyOf(saved.keySet()), "saved keys and order");
            weights.forEach((k, w) -> assertTrue(w.equal(saved.get(k)), k + ": saved value differs from the loaded one"));
            try (ClipModel fresh = (ClipModel) Models.create(f.config(), Device.CPU, DType.FLOAT32, false)) {
                fresh.loadStateDict(saved, true);
                Map<String, Tensor> io = f.io();
                List<Tensor> a = run(m, io);
                List<Tensor> b = run(fresh, io);
                for (int i = 0; i < a.size(); i++) {
                    assertTrue(a.get(i).equal(b.get(i)), "output " + i + " differs after save → load");
                }
            }
        }
    }

    private static List<Tensor> run(ClipModel m, Map<String, Tensor> io) {
        ClipOutput out = m.forward(io.get("images"), io.get("ids"));
        Tensor loss = LclReferenceTest.contrastive(out.imageFeatures(), out.textFeatures(), out.logitScale());
        loss.backward();
        List<Tensor> all = new ArrayList<>(List.of(out.imageFeatures(), out.textFeatures(), out.logitScale(), loss));
        m.namedParameters().values().forEach(p -> all.add(p.grad()));
        return all;
    }
}
