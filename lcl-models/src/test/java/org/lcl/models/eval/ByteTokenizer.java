package org.lcl.models.eval;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.data.tokenizer.Tokenizer;

/** A test tokenizer needing no vocabulary file: UTF-8 byte b is id b + 1; the special strings are CLIP's special ids. */
final class ByteTokenizer implements Tokenizer {

    @Override
    public int[] encode(String text) {
        List<Integer> ids = new ArrayList<>();
        int i = 0;
        outer:
        while (i < text.length()) {
            for (int s = 0; s < SPECIAL_STRINGS.size(); s++) {
                if (text.startsWith(SPECIAL_STRINGS.get(s), i)) {
                    ids.add(SpecialTokens.CLIP.startOfText() + s);
                    i += SPECIAL_STRINGS.get(s).length();
                    continue outer;
                }
            }
            int cp = text.codePointAt(i);
            for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                ids.add((b & 0xFF) + 1);
            }
            i += Character.charCount(cp);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String decode(int[] ids) {
        throw new UnsupportedOperationException("not needed by the tests");
    }

    @Override
    public SpecialTokens specialTokens() {
        return SpecialTokens.CLIP;
    }

    @Override
    public int vocabSize() {
        return 49411;
    }
}
