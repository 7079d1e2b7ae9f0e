package org.lcl.models.data.mmc4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lcl.models.data.tokenizer.ClipTokenizer;
import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.data.tokenizer.Tokenizers;

/** Generator → reader round trip on Debian's tuxpaint stamps and fortunes (skipped, printing why, where absent). */
class Mmc4GeneratorTest {

    static final Path STAMPS = Path.of("/usr/share/tuxpaint/stamps");
    static final Path FORTUNES = Path.of("/usr/share/games/fortunes");

    @TempDir
    Path root;

    static Tokenizer tokenizer() {
        Path vocab = Path.of("..", "..", "shared", "data", ClipTokenizer.VOCAB_FILE_NAME);
        if (!Files.isRegularFile(vocab)) {
            vocab = Path.of("..", "shared", "data", ClipTokenizer.VOCAB_FILE_NAME);
        }
        if (Files.isRegularFile(vocab)) {
            return Tokenizers.create("clip", vocab);
        }
        System.out.println("Mmc4GeneratorTest: CLIP vocabulary not found beside the project; using gpt2");
        return Tokenizers.create("gpt2", null);
    }

    @Test
    void roundTripOnStampsAndFortunes() throws Exception {
        if (!Files.isDirectory(STAMPS) || !Files.isDirectory(FORTUNES)) {
            System.out.println("Mmc4GeneratorTest skipped: needs Debian packages tuxpaint-stamps-default ("
                    + STAMPS + ") and fortunes (" + FORTUNES + ")");
            Assumptions.abort("tuxpaint-stamps-default or fortunes not installed");
        }
        Mmc4Generator.Result r = Mmc4Generator.generate(STAMPS, FORTUNES, root, 3, 20, 1);
        assertEquals(60, r.documents());
        assertTrue(r.imagesBelowThreshold() > 0);
        assertEquals(List.of(0, 1, 2), Mmc4Shards.discover(root).stream().map(Mmc4Shard::index).toList());
        Tokenizer tok = tokenizer();
        SpecialTokens sp = tok.specialTokens();
        Mmc4Config c = Mmc4Config.defaults(root, 0).withContextLength(256).withShuffleBuffer(16).withGlobalDistributed(false);
        Mmc4Stats stats = new Mmc4Stats();
        Set<String> sources = new HashSet<>();
        try (Mmc4Stream s = new Mmc4Stream(c, tok, stats, 0, 1, 0, 1, 0)) {
            for (int i = 0; i < 80; i++) {
                Mmc4Sample m = s.next();
                sources.add(m.source());
                int soi = 0;
                int img = 0;
                for (int id : m.ids()) {
                    soi += id == sp.startOfImage() ? 1 : 0;
                    img += id == sp.imagePlaceholder() ? 1 : 0;
                }
                assertEquals(256, m.ids().length);
                assertEquals(sp.startOfText(), m.ids()[0]);
                assertEquals(soi, m.numImages());
                assertTrue(soi >= 1 && soi <= 6);
                assertEquals(49 * soi, img);
                assertEquals(sp.endOfText(), m.ids()[sp.unpaddedLength(m.ids()) - 1]);
                for (byte[] b : m.imageBytes()) {
                    assertEquals((byte) 0x89, b[0]);
                    assertEquals('P', b[1]); // PNG signature
                }
            }
        }
        Mmc4Stats.Snapshot snap = stats.snapshot();
        assertTrue(snap.imagesBelowThreshold() > 0, stats.summary());
        assertTrue(snap.imagesSameSentence() >= 0);
        assertEquals(0, snap.malformedLines());
        assertTrue(sources.size() > 40, "documents from all shards: " + sources.size());
        System.out.println("Mmc4GeneratorTest: " + r + "; " + stats.summary());
    }
}
