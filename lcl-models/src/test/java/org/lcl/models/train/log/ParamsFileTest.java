package org.lcl.models.train.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParamsFileTest {

    @TempDir
    Path dir;

    @Test
    void writesSortedNameValueLinesAsOpenClipDoes() throws Exception {
        Map<String, Object> params = new HashMap<>();
        params.put("lr", 5.0e-4);
        params.put("eps", 1e-6);
        params.put("epochs", 32);
        params.put("batch_size", 64);
        params.put("wd", 0.2);
        params.put("beta2", 0.98);
        params.put("logs", "./logs/");
        params.put("name", "run 'one'");
        params.put("resume", null);
        params.put("save_most_recent", true);
        params.put("lock_image", false);
        params.put("train_data_upsampling_factors", null);
        params.put("warmup", 10000L);
        params.put("image_mean", List.of(0.48145466, 0.4578275, 0.40821073));
        params.put("grad_clip_norm", 1.0);
        params.put("lr_cooldown_end", 0.0);
        params.put("train_num_samples", 1e16);
        params.put("report_to", "");
        params.put("model_kwargs", Map.of("text", "a\tb"));
        params.put("Zeta", 1);
        Path file = dir.resolve("params.txt");
        ParamsFile.write(file, params);

        // The same values as a Python dict literal, written by OpenCLIP's loop.
        String python = """
                args = {"lr": 5.0e-4, "eps": 1e-6, "epochs": 32, "batch_size": 64, "wd": 0.2, "beta2": 0.98,
                        "logs": "./logs/", "name": "run 'one'", "resume": None, "save_most_recent": True,
                        "lock_image": False, "train_data_upsampling_factors": None, "warmup": 10000,
                        "image_mean": [0.48145466, 0.4578275, 0.40821073], "grad_clip_norm": 1.0,
                        "lr_cooldown_end": 0.0, "train_num_samples": 1e16, "report_to": "",
                        "model_kwargs": {"text": "a\\tb"}, "Zeta": 1}
                for name in sorted(args):
                    print(f"{name}: {args[name]}")
                """;
        List<String> expected = PythonReference.run(python, List.of());
        assertEquals(expected, Files.readAllLines(file, StandardCharsets.UTF_8));
        assertEquals("Zeta: 1", expected.getFirst(), "upper case sorts first, as Python's sorted");
    }

    @Test
    void floatReprMatchesPython() throws Exception {
        double[] values = {0.0, -0.0, 1.0, 0.1, 0.0005, 1e-4, 1e-5, 1.5e-5, 123456789.0, 1e15, 1e16, 1.2345e16,
            1e22, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE, 2.0 / 3, 100.0, -7.25, 0.30000000000000004,
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        List<String> args = new ArrayList<>(Arrays.stream(values).mapToObj(PythonReference::hex).toList());
        List<String> expected = PythonReference.run("""
                import sys
                for s in sys.argv[1:]: print(repr(float.fromhex(s)))
                """, args);
        for (int i = 0; i < values.length; i++) {
            assertEquals(expected.get(i), PyRepr.floatRepr(values[i]), "repr of " + values[i]);
        }
    }
}
