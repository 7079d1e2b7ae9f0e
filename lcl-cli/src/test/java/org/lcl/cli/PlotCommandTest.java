package org.lcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotCommandTest {

    @Test
    void rendersARunsMetricsOnDemand(@TempDir Path dir) throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        StringBuilder jsonl = new StringBuilder();
        for (int step = 0; step < 5; step++) {
            jsonl.append("{\"epoch\":0,\"step\":").append(step).append(",\"samples\":").append(8 * (step + 1))
                    .append(",\"lr\":0.001,\"losses\":{\"contrastive_loss\":").append(1.0 / (step + 1))
                    .append(",\"caption_loss\":").append(5.0 - step).append(",\"loss\":").append(6.0 - step)
                    .append("},\"logit_scale\":14.2,\"data_time\":0.01,\"batch_time\":0.5,\"samples_per_second\":16.0,")
                    .append("\"skipped\":{},\"time\":1.7E9}\n");
        }
        Files.writeString(run.resolve("metrics.jsonl"), jsonl);
        assertEquals(0, Main.commandLine().execute("plot", "--run", run.toString()));
        BufferedImage img = ImageIO.read(run.resolve("loss.png").toFile());
        assertTrue(img.getWidth() > 100 && img.getHeight() > 100);
        assertEquals(2, Main.commandLine().execute("plot"));
        assertEquals(2, Main.commandLine().execute("plot", "--metrics", dir.resolve("missing.jsonl").toString()));
    }
}
