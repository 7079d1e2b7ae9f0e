package org.lcl.models.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

import org.lcl.models.train.log.AverageMeter;
import org.lcl.models.train.log.MetricsJsonl;
import org.lcl.models.train.log.RunLog;
import org.lcl.models.train.log.StepMetrics;
import org.lcl.models.train.log.TrainLogLine;

/**
 * The run's voice, as OpenCLIP's train_one_epoch logs: loss meters over the epoch, data and
 * batch time meters reset after every log line, the log line at OpenCLIP's log points, one
 * metrics.jsonl record per log line, and the progress bar in between.
 */
public final class TrainLogger implements TrainListener {

    private final RunLog log;
    private final MetricsJsonl metrics;
    private final int logEvery;
    private final int worldSize;
    private final Map<String, AverageMeter> lossMeters = new LinkedHashMap<>();
    private final AverageMeter totalMeter = new AverageMeter();
    private final AverageMeter dataTime = new AverageMeter();
    private final AverageMeter batchTime = new AverageMeter();
    private int epoch = -1;
    private long samplesInRun;

    public TrainLogger(RunLog log, MetricsJsonl metrics, int logEvery, int worldSize) {
        this.log = log;
        this.metrics = metrics;
        this.logEvery = logEvery;
        this.worldSize = worldSize;
    }

    @Override
    public void info(String message) {
        log.info(message);
    }

    @Override
    public void warning(String message) {
        log.warning(message);
    }

    @Override
    public void onStep(StepReport r) {
        if (r.epoch() != epoch) {
            epoch = r.epoch();
            lossMeters.clear();
            totalMeter.reset();
            dataTime.reset();
            batchTime.reset();
            log.progress().start(epoch, r.batchesPerEpoch());
        }
        long globalSamples = r.samples() * worldSize;
        samplesInRun += globalSamples;
        dataTime.update(r.dataSeconds());
        batchTime.update(r.batchSeconds());
        if (Double.isFinite(r.total())) {
            r.losses().forEach((k, v) -> lossMeters.computeIfAbsent(k, x -> new AverageMeter()).update(v, r.samples()));
            totalMeter.update(r.total(), r.samples());
        }
        double sps = globalSamples / r.batchSeconds();
        log.progress().update(r.batchCount(), sps, r.total());
        if (!r.isLogStep(logEvery)) {
            return;
        }
        SequencedMap<String, TrainLogLine.Loss> losses = new LinkedHashMap<>();
        lossMeters.forEach((k, m) -> losses.put(k, TrainLogLine.Loss.of(m)));
        TrainLogLine line = new TrainLogLine(r.epoch(), r.batchCount() * globalSamples, r.samplesPerEpoch(),
                100.0 * r.batchCount() / r.batchesPerEpoch(), dataTime.avg(), batchTime.avg(), sps, sps / worldSize, r.lr(),
                r.logitScale(), losses, TrainLogLine.Loss.of(totalMeter), r.skippedSamples());
        log.info(line.format());
        SequencedMap<String, Double> values = new LinkedHashMap<>(r.losses());
        values.put(StepMetrics.TOTAL, r.total());
        try {
            metrics.append(new StepMetrics(r.epoch(), r.step(), samplesInRun, r.lr(), values, r.logitScale(), dataTime.avg(),
                    batchTime.avg(), sps, r.skippedSamples(), StepMetrics.now()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + metrics.file(), e);
        }
        dataTime.reset();
        batchTime.reset();
        if (r.batchCount() == r.batchesPerEpoch()) {
            log.progress().finish();
        }
    }

    @Override
    public void onEpochEnd(int completedEpoch, List<Path> checkpoints) {
        log.progress().finish();
        for (Path p : checkpoints) {
            log.info("saved checkpoint " + p);
        }
    }
}
