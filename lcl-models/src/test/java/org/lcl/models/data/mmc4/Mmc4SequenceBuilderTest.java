package org.lcl.models.data.mmc4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.tokenizer.Tokenizers;
import org.lcl.models.data.webdataset.Rng;
import org.lcl.models.data.webdataset.SkipReason;

class Mmc4SequenceBuilderTest {

    static final Tokenizer TOK = Tokenizers.create("gpt2", null);
    static final SpecialTokens SP = TOK.specialTokens();
    static final int N = 4;

    @TempDir
    Path root;

    Mmc4Stats stats = new Mmc4Stats();

    Mmc4SequenceBuilder builder(int ctx) {
        Mmc4Config c = Mmc4Config.defaults(root, 0).withNumImageTokens(N).withContextLength(ctx);
        return new Mmc4SequenceBuilder(TOK, c.imagesDir(), c, stats);
    }

    static int count(int[] ids, int id) {
        int n = 0;
        for (int x : ids) {
            n += x == id ? 1 : 0;
        }
        return n;
    }

    static void checkInvariants(Mmc4Sample s, int ctx) {
        int[] ids = s.ids();
        assertEquals(ctx, ids.length);
        assertEquals(SP.startOfText(), ids[0]);
        int soi = count(ids, SP.startOfImage());
        assertEquals(soi, s.numImages());
        assertEquals(N * soi, count(ids, SP.imagePlaceholder()));
        int end = SP.unpaddedLength(ids);
        assertEquals(SP.endOfText(), ids[end - 1], "last kept token is eot");
        for (int p = end; p < ids.length; p++) {
            assertEquals(0, ids[p]);
        }
        assertEquals(1, count(ids, SP.endOfText()));
    }

    @Test
    void specialStringsAreSingleTokens() {
        int[] ids = TOK.encode(Mmc4SequenceBuilder.imageString(N));
        assertEquals(1, count(ids, SP.startOfImage()));
        assertEquals(N, count(ids, SP.imagePlaceholder()));
        assertEquals(1, count(ids, SP.endOfImage()));
        assertEquals(" <start_of_img> <img_placehold> <img_placehold> <img_placehold> <img_placehold> <end_of_img> ",
                Mmc4SequenceBuilder.imageString(N));
    }

    @Test
    void similarityThresholdIsInclusiveAt024() throws Exception {
        Docs.images(root, "a.png", "b.png");
        Mmc4Document d = Docs.doc(List.of("One.", "Two."), new Docs.Img("a.png", 0, 0.2399), new Docs.Img("b.png", 1, 0.24));
        Mmc4Sample s = builder(64).build(d, new Rng(1)).orElseThrow();
        assertEquals(List.of("b.png"), s.imageNames());
        assertEquals(1, stats.snapshot().imagesBelowThreshold());
        checkInvariants(s, 64);
    }

    @Test
    void oneImagePerSentenceChosenAtRandom() throws Exception {
        Docs.images(root, "a.png", "b.png", "c.png", "d.png");
        Mmc4Document d = Docs.doc(List.of("One.", "Two."), new Docs.Img("a.png", 0, 0.3), new Docs.Img("b.png", 0, 0.3),
                new Docs.Img("c.png", 0, 0.3), new Docs.Img("d.png", 1, 0.3));
        Set<String> firsts = new HashSet<>();
        Mmc4SequenceBuilder b = builder(64);
        Rng rng = new Rng(7);
        for (int i = 0; i < 200; i++) {
            Mmc4Sample s = b.build(d, rng).orElseThrow();
            assertEquals(2, s.numImages());
            assertEquals("d.png", s.imageNames().get(1));
            firsts.add(s.imageNames().get(0));
            checkInvariants(s, 64);
        }
        assertEquals(Set.of("a.png", "b.png", "c.png"), firsts);
        assertEquals(400, stats.snapshot().imagesSameSentence());
    }

    @Test
    void sortedBySentenceAndAtMostSixThenMissingSkipped() throws Exception {
        Docs.images(root, "i0.png", "i1.png", "i2.png", "i4.png", "i5.png", "i6.png", "i7.png");
        // listed out of order; i3 has no file
        Mmc4Document d = Docs.doc(List.of("s0.", "s1.", "s2.", "s3.", "s4.", "s5.", "s6.", "s7."),
                new Docs.Img("i7.png", 7, 0.3), new Docs.Img("i5.png", 5, 0.3), new Docs.Img("i0.png", 0, 0.3),
                new Docs.Img("i3.png", 3, 0.3), new Docs.Img("i2.png", 2, 0.3), new Docs.Img("i6.png", 6, 0.3),
                new Docs.Img("i1.png", 1, 0.3), new Docs.Img("i4.png", 4, 0.3));
        Mmc4Sample s = builder(256).build(d, new Rng(3)).orElseThrow();
        // the first 6 by sentence are i0..i5; i3's file is missing: 5 remain, i6 and i7 are not promoted
        assertEquals(List.of("i0.png", "i1.png", "i2.png", "i4.png", "i5.png"), s.imageNames());
        assertEquals("bytes of i4.png", new String(s.imageBytes().get(3)));
        assertEquals(2, stats.snapshot().imagesOverMax());
        assertEquals(1, stats.images().snapshot().skipped(SkipReason.MISSING_IMAGE));
        assertEquals(1, stats.snapshot().imagesMissing());
        checkInvariants(s, 256);
    }

    @Test
    void noImageLeftGivesEmpty() throws Exception {
        Mmc4Document d = Docs.doc(List.of("One."), new Docs.Img("gone.png", 0, 0.9), new Docs.Img("low.png", 0, 0.1));
        assertTrue(builder(64).build(d, new Rng(1)).isEmpty());
        assertEquals(1, stats.snapshot().documentsNoImage());
        assertEquals(1, stats.snapshot().imagesMissing());
    }

    @Test
    void imageBeforeOrAfterItsSentenceWithProbabilityHalf() throws Exception {
        Docs.images(root, "a.png");
        Mmc4Document d = Docs.doc(List.of("Hello world."), new Docs.Img("a.png", 0, 0.5));
        Mmc4SequenceBuilder b = builder(64);
        Rng rng = new Rng(Rng.mix(11, 0));
        int before = 0;
        int draws = 4000;
        for (int i = 0; i < draws; i++) {
            int[] ids = b.build(d, rng).orElseThrow().ids();
            int soi = 0;
            while (ids[soi] != SP.startOfImage()) {
                soi++;
            }
            // gpt2 keeps spaces as tokens: only whitespace between sot and a leading image
            String head = TOK.decode(java.util.Arrays.copyOfRange(ids, 1, soi));
            if (head.isBlank()) {
                before++;
            } else {
                assertTrue(head.contains("Hello world."), head);
            }
        }
        double f = before / (double) draws;
        assertTrue(f > 0.46 && f < 0.54, "before fraction " + f);
    }

    @Test
    void stringBuildingMatchesTheSpec() throws Exception {
        Docs.images(root, "a.png", "b.png");
        Mmc4Document d = Docs.doc(List.of("First one.", "Second one.", "Third."),
                new Docs.Img("b.png", 2, 0.5), new Docs.Img("a.png", 0, 0.5));
        String img = " <start_of_img> " + "<img_placehold> ".repeat(N) + "<end_of_img> ";
        Set<String> seen = new HashSet<>();
        Mmc4SequenceBuilder b = builder(128);
        Rng rng = new Rng(5);
        for (int i = 0; i < 64; i++) {
            int[] ids = b.build(d, rng).orElseThrow().ids();
            String decoded = TOK.decode(ids);
            for (String s0 : List.of(img + "First one.", "First one." + img)) {
                for (String s2 : List.of(img + "Third.", "Third." + img)) {
                    String expected = String.join(" ", s0, "Second one.", s2);
                    int[] want = TOK.tokenize(expected, 128);
                    if (java.util.Arrays.equals(want, ids)) {
                        seen.add(expected);
                    }
                }
            }
            assertTrue(decoded.contains("<start_of_img>"));
        }
        assertEquals(4, seen.size(), "all four before/after combinations occur, each exactly the spec's string");
    }

    @Test
    void truncationDropsCutImagesAndEndsWithEot() throws Exception {
        Docs.images(root, "a.png", "b.png", "c.png", "d.png", "e.png", "f.png");
        String[] names = {"a.png", "b.png", "c.png", "d.png", "e.png", "f.png"};
        Mmc4Document d = Docs.doc(List.of("Alpha beta gamma.", "Delta epsilon zeta.", "Eta theta iota.",
                "Kappa lambda mu.", "Nu xi omicron.", "Pi rho sigma."),
                new Docs.Img(names[0], 0, 0.3), new Docs.Img(names[1], 1, 0.3), new Docs.Img(names[2], 2, 0.3),
                new Docs.Img(names[3], 3, 0.3), new Docs.Img(names[4], 4, 0.3), new Docs.Img(names[5], 5, 0.3));
        Rng rng = new Rng(9);
        int cutInImage = 0;
        for (int i = 0; i < 600; i++) {
            int ctx = 20 + i % 40;
            Mmc4SequenceBuilder b = builder(ctx);
            long before = stats.snapshot().imagesTruncated();
            Optional<Mmc4Sample> o = b.build(d, rng);
            if (o.isEmpty()) {
                continue;
            }
            Mmc4Sample s = o.get();
            checkInvariants(s, ctx);
            assertTrue(s.numImages() < 6);
            assertEquals(List.of(names).subList(0, s.numImages()), s.imageNames());
            if (stats.snapshot().imagesTruncated() > before && SP.unpaddedLength(s.ids()) < ctx) {
                cutInImage++;
                // cut at a soi: the eot sits where the last soi was, no eoi-less image remains
                int end = SP.unpaddedLength(s.ids());
                assertEquals(count(s.ids(), SP.startOfImage()), count(s.ids(), SP.endOfImage()));
                assertTrue(end < ctx);
            }
        }
        assertTrue(cutInImage > 0, "some draws cut an image mid-way");
    }

    @Test
    void truncationCuttingTheOnlyImageGivesEmpty() throws Exception {
        Docs.images(root, "a.png");
        String longText = "word ".repeat(40).trim() + ".";
        Mmc4Document d = Docs.doc(List.of(longText), new Docs.Img("a.png", 0, 0.3));
        Mmc4SequenceBuilder b = builder(24);
        Rng rng = new Rng(2);
        int empty = 0;
        int kept = 0;
        for (int i = 0; i < 100; i++) {
            Optional<Mmc4Sample> o = b.build(d, rng);
            if (o.isPresent()) {
                kept++;
                assertEquals(1, count(o.get().ids(), SP.startOfImage()));
                checkInvariants(o.get(), 24);
            } else {
                empty++;
            }
        }
        assertTrue(empty > 20 && kept > 20, "empty " + empty + " kept " + kept);
        assertEquals(empty, stats.snapshot().documentsCutToNoImage());
    }
}
