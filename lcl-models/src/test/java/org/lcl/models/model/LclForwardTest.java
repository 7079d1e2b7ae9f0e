package org.lcl.models.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lcl.dsl.layers.AttentivePool;
import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Functional;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/** LCL and CLIP forwards on the tiny demo configs (64×64 images, 16 patch tokens, context 32). */
class LclForwardTest {

    private static final SpecialTokens ST = SpecialTokens.CLIP;
    private static final int N = 16;
    private static final int L = 32;
    private static LclModel lcl;
    private static ClipModel clip;

    @BeforeAll
    static void build() {
        Torch.manualSeed(0);
        lcl = (LclModel) Models.create("LCL_ViT-Tiny-16_demo", Device.CPU, DType.FLOAT32);
        clip = (ClipModel) Models.create("ViT-Tiny-16_demo", Device.CPU, DType.FLOAT32);
        lcl.eval();
        clip.eval();
    }

    @AfterAll
    static void close() {
        lcl.close();
        clip.close();
    }

    /** Sequence 0: image first (<soi> at 0). Sequence 1: text first, <soi> mid-sequence. Padded with 0 to L. */
    static long[] batch() {
        List<Long> a = new ArrayList<>();
        a.add((long) ST.startOfImage());
        for (int i = 0; i < N; i++) {
            a.add((long) ST.imagePlaceholder());
        }
        a.addAll(List.of((long) ST.endOfImage(), 320L, 321L, (long) ST.endOfText()));
        List<Long> b = new ArrayList<>(List.of((long) ST.startOfText(), 400L, 401L, 402L, (long) ST.startOfImage()));
        for (int i = 0; i < N; i++) {
            b.add((long) ST.imagePlaceholder());
        }
        b.add((long) ST.endOfImage());
        long[] ids = new long[2 * L];
        for (int i = 0; i < a.size(); i++) {
            ids[i] = a.get(i);
        }
        for (int i = 0; i < b.size(); i++) {
            ids[L + i] = b.get(i);
        }
        return ids;
    }

    @Test
    void forwardShapesPairsAndLabels() {
        try (Scope s = Scope.open()) {
            Tensor images = Torch.randn(2, 3, 64, 64);
            Tensor ids = Torch.tensor(batch(), 2, L);
            LclOutput out = lcl.forward(images, ids);
            assertEquals(1, out.numPairs(), "only the text-first sequence's image is a contrastive pair");
            assertArrayEquals(new long[] {1, 192}, out.imageFeatures().shape());
            assertArrayEquals(new long[] {1, 192}, out.textFeatures().shape());
            assertEquals(DType.FLOAT32, out.imageFeatures().dtype());
            assertEquals(1.0, out.imageFeatures().norm().item(), 1e-5);
            assertEquals(1.0, out.textFeatures().norm().item(), 1e-5);
            assertEquals(1 / 0.07, out.logitScale().item(), 1e-4);
            // Targets: after <soi> image-first: 320, 321, eot; text-first: 400, 401, 402, <soi>.
            assertArrayEquals(new long[] {320, 321, ST.endOfText(), 400, 401, 402, ST.startOfImage()}, out.labels().toLongArray());
            assertArrayEquals(new long[] {7, 49411}, out.logits().shape());
            for (long label : out.labels().toLongArray()) {
                assertFalse(label == ST.imagePlaceholder() || label == ST.endOfImage() || label == SpecialTokens.PAD);
            }
            // The kept image is image 1 (the text-first sequence's), in its pooled latent form.
            Tensor all = lcl.encodeImage(images, true);
            assertTrue(out.imageFeatures().allclose(all.narrow(0, 1, 1), 1e-5, 1e-6));
            // The text feature is ln_final + text_projection of the decoder output at sequence 1's <soi> (position 4).
            AttentivePool.Output po = lcl.poolProject().forwardBoth(lcl.imageTokens(images));
            Tensor dec = lcl.text().forwardEmbeddings(lcl.interleavedEmbeddings(po.projected(), ids));
            Tensor expected = Functional.normalize(lcl.text().features(dec.select(0, 1).narrow(0, 4, 1)));
            assertTrue(out.textFeatures().allclose(expected, 1e-5, 1e-6));
        }
    }

    @Test
    void placeholdersAreFilledInRowMajorOrder() {
        try (Scope s = Scope.open()) {
            Tensor ids = Torch.tensor(batch(), 2, L);
            Tensor projected = Torch.randn(2, N, 192);
            Tensor x = lcl.interleavedEmbeddings(projected, ids);
            assertArrayEquals(new long[] {2, L, 192}, x.shape());
            // Sequence 0's run (positions 1..16) is image 0; sequence 1's (positions 5..20) is image 1.
            assertTrue(x.select(0, 0).narrow(0, 1, N).equal(projected.select(0, 0)));
            assertTrue(x.select(0, 1).narrow(0, 5, N).equal(projected.select(0, 1)));
            // Other positions are token embeddings.
            Tensor tok = lcl.text().embed(ids);
            assertTrue(x.select(0, 1).narrow(0, 0, 5).equal(tok.select(0, 1).narrow(0, 0, 5)));
            assertTrue(x.select(0, 0).narrow(0, N + 1, L - N - 1).equal(tok.select(0, 0).narrow(0, N + 1, L - N - 1)));
        }
    }

    @Test
    void wrongPlaceholderCountIsAClearError() {
        try (Scope s = Scope.open()) {
            long[] raw = batch();
            raw[L + 7] = 500;  // one placeholder of sequence 1 becomes a word
            Tensor ids = Torch.tensor(raw, 2, L);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lcl.forward(Torch.randn(2, 3, 64, 64), ids));
            assertTrue(e.getMessage().contains("31 <img_placehold> tokens, but 2 images x 16 visual tokens = 32"), e.getMessage());
            Tensor good = Torch.tensor(batch(), 2, L);
            e = assertThrows(IllegalArgumentException.class, () -> lcl.forward(Torch.randn(3, 3, 64, 64), good));
            assertTrue(e.getMessage().contains("2 <start_of_img> tokens but the batch has 3 images"), e.getMessage());
        }
    }

    @Test
    void decoderIsCausalAndGradientsReachTheVisionTower() {
        try (Scope s = Scope.open()) {
            Tensor ids = Torch.tensor(batch(), 2, L);
            long[] changed = batch();
            changed[L + 3] = 999;  // sequence 1, position 3
            Tensor a = lcl.text().forward(ids);
            Tensor b = lcl.text().forward(Torch.tensor(changed, 2, L));
            assertTrue(a.select(0, 1).narrow(0, 0, 3).allclose(b.select(0, 1).narrow(0, 0, 3), 1e-5, 1e-6), "earlier positions unchanged");
            assertFalse(a.select(0, 1).narrow(0, 3, 1).allclose(b.select(0, 1).narrow(0, 3, 1), 1e-5, 1e-6));

            LclOutput out = lcl.forward(Torch.randn(2, 3, 64, 64), ids);
            Tensor loss = Functional.crossEntropy(out.logits(), out.labels())
                    .add(out.imageFeatures().mul(out.textFeatures()).sum().neg());
            loss.backward();
            Tensor conv = lcl.stateDict().get("visual.conv1.weight");
            assertNotNull(conv.grad());
            assertTrue(conv.grad().abs().sum().item() > 0);
            assertTrue(lcl.stateDict().get("lm_head.1.weight").grad().abs().sum().item() > 0);
            for (Tensor p : lcl.parameters()) {
                p.zeroGrad();
            }
        }
    }

    @Test
    void gradientCheckpointingGivesTheSameGradients() {
        double[][] grads = new double[2][];
        try {
            lcl.train(true);
            for (int run = 0; run < 2; run++) {
                lcl.setGradCheckpointing(run == 1);
                try (Scope s = Scope.open()) {
                    Torch.manualSeed(7);
                    LclOutput out = lcl.forward(Torch.randn(2, 3, 64, 64), Torch.tensor(batch(), 2, L));
                    Functional.crossEntropy(out.logits(), out.labels()).add(out.textFeatures().sum()).backward();
                    Tensor conv = lcl.stateDict().get("visual.conv1.weight");
                    Tensor block = lcl.stateDict().get("text.transformer.resblocks.0.mlp.c_fc.weight");
                    grads[run] = new double[] {conv.grad().abs().sum().item(), block.grad().abs().sum().item()};
                    for (Tensor p : lcl.parameters()) {
                        p.zeroGrad();
                    }
                }
            }
        } finally {
            lcl.setGradCheckpointing(false);
            lcl.eval();
        }
        assertTrue(grads[0][0] > 0 && grads[0][1] > 0);
        assertEquals(grads[0][0], grads[1][0], 1e-4 * grads[0][0]);
        assertEquals(grads[0][1], grads[1][1], 1e-4 * grads[0][1]);
    }

    @Test
    void textTowerInitIsOpenClips() {
        var p = lcl.stateDict();
        assertEquals(0.02, p.get("text.token_embedding.weight").std().item(), 0.02 * 0.03);
        assertEquals(0.01, p.get("text.positional_embedding").std().item(), 0.01 * 0.1);
        double w = 192;
        assertEquals(Math.pow(w, -0.5), p.get("text.transformer.resblocks.0.attn.in_proj_weight").std().item(), 0.05 * Math.pow(w, -0.5));
        double projStd = Math.pow(w, -0.5) * Math.pow(2 * 4, -0.5);
        assertEquals(projStd, p.get("text.transformer.resblocks.1.mlp.c_proj.weight").std().item(), 0.05 * projStd);
        assertEquals(projStd, p.get("text.transformer.resblocks.2.attn.out_proj.weight").std().item(), 0.1 * projStd);
        assertEquals(Math.pow(2 * w, -0.5), p.get("text.transformer.resblocks.3.mlp.c_fc.weight").std().item(), 0.05 * Math.pow(2 * w, -0.5));
        assertEquals(Math.pow(w, -0.5), p.get("text.text_projection").std().item(), 0.1 * Math.pow(w, -0.5));
        assertEquals(Math.log(1 / 0.07), p.get("logit_scale").item(), 1e-6);
        assertEquals(0.0, p.get("pool_project.pooler.cross_attn.q_bias").abs().sum().item());
    }

    @Test
    void clipForward() {
        try (Scope s = Scope.open()) {
            long[] raw = new long[2 * L];
            long[][] seqs = {{ST.startOfText(), 320, 321, ST.endOfText()}, {ST.startOfText(), 400, 401, 402, 403, ST.endOfText()}};
            for (int b = 0; b < 2; b++) {
                System.arraycopy(seqs[b], 0, raw, b * L, seqs[b].length);
            }
            Tensor ids = Torch.tensor(raw, 2, L);
            Tensor images = Torch.randn(2, 3, 64, 64);
            ClipOutput out = clip.forward(images, ids);
            assertArrayEquals(new long[] {2, 128}, out.imageFeatures().shape());
            assertArrayEquals(new long[] {2, 128}, out.textFeatures().shape());
            assertEquals(1 / 0.07, out.logitScale().item(), 1e-4);
            assertEquals(2.0, out.textFeatures().square().sum().item(), 1e-5);
            // argmax pooling: the feature of sequence 1 is taken at its eot (position 5).
            Tensor dec = clip.text().forward(ids);
            Tensor expected = Functional.normalize(clip.text().features(dec.select(0, 1).narrow(0, 5, 1)));
            assertTrue(out.textFeatures().narrow(0, 1, 1).allclose(expected, 1e-5, 1e-6));
            assertArrayEquals(new long[] {2, 128}, clip.encodeImage(images, false).shape());
        }
    }
}
