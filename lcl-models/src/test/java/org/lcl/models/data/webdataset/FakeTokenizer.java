package org.lcl.models.data.webdataset;

import java.util.ArrayList;
import java.util.List;

import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.data.tokenizer.Tokenizer;

/**
 * A test tokenizer whose ids are visible in the text: each whitespace-separated word is a
 * number and becomes that id; the five special strings become CLIP's special ids.
 */
final class FakeTokenizer implements Tokenizer {

    @Override
    public int[] encode(String text) {
        List<Integer> ids = new ArrayList<>();
        for (String w : text.trim().split("\\s+")) {
            if (w.isEmpty()) {
                continue;
            }
            int special = SPECIAL_STRINGS.indexOf(w);
            ids.add(special >= 0 ? 49406 + special : Integer.parseInt(w));
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder b = new StringBuilder();
        for (int id : ids) {
            if (id != 0) {
                b.append(b.isEmpty() ? "" : " ").append(id >= 49406 ? SPECIAL_STRINGS.get(id - 49406) : id);
            }
        }
        return b.toString();
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
