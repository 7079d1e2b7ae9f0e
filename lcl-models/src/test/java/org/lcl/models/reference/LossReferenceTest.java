package org.lcl.models.reference;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lcl.models.loss.ClipLoss;
import org.lcl.models.loss.LclLoss;
import org.lcl.models.loss.LossOutput;
import org.lcl.models.model.ClipModel;
import org.lcl.models.model.ClipOutput;
import org.lcl.models.model.LclModel;
import org.lcl.models.model.LclOutput;
import org.lcl.torch.DType;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/**
 * org.lcl.models.loss on the models' own outputs (float32): the loss terms and the gradient of
 * the total w.r.t. every parameter against the model fixtures of make_model_fixtures.py, whose
 * reference loss is total = 0.1·contrastive + 1.0·generation (LCL) and the contrastive loss (CLIP).
 */
class LossReferenceTest {

    static Stream<Fixture> lcl() {
        return Fixture.all(true);
    }

    static Stream<Fixture> clip() {
        return Fixture.all(false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lcl")
    void lclLoss(Fixture f) {
        try (Scope s = Scope.open(); LclModel m = (LclModel) f.model(DType.FLOAT32)) {
            Map<String, Tensor> io = f.io();
            Fixture.Check c = new Fixture.Check(f + " LclLoss");
            LclOutput out = m.forward(io.get("images"), io.get("ids"));
            LossOutput loss = new LclLoss().compute(out);
            c.close("contrastive_loss", loss.contrastiveLoss(), io.get("loss.contrastive").mul(0.1), LclReferenceTest.TOL);
            c.close("caption_loss", loss.captionLoss(), io.get("loss.generation"), LclReferenceTest.TOL);
            c.close("loss", loss.total(), io.get("loss.total"), LclReferenceTest.TOL);
            loss.total().backward();
            LclReferenceTest.checkGradients(c, m.namedParameters(), io, LclReferenceTest.TOL);
            c.report();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clip")
    void clipLoss(Fixture f) {
        try (Scope s = Scope.open(); ClipModel m = (ClipModel) f.model(DType.FLOAT32)) {
            Map<String, Tensor> io = f.io();
            Fixture.Check c = new Fixture.Check(f + " ClipLoss");
            ClipOutput out = m.forward(io.get("images"), io.get("ids"));
            LossOutput loss = new ClipLoss().compute(out);
            c.close("contrastive_loss", loss.contrastiveLoss(), io.get("loss.contrastive"), LclReferenceTest.TOL);
            loss.total().backward();
            LclReferenceTest.checkGradients(c, m.namedParameters(), io, LclReferenceTest.TOL);
            c.report();
        }
    }
}
