/**
 * The trainer's run folder text files and console output, as OpenCLIP writes them:
 * {@code logs/NAME/out.log} and stdout ({@link org.lcl.models.train.log.RunLog}),
 * {@code params.txt} ({@link org.lcl.models.train.log.ParamsFile}), the per-step log line
 * ({@link org.lcl.models.train.log.TrainLogLine} with
 * {@link org.lcl.models.train.log.AverageMeter}s), plus {@code metrics.jsonl}
 * ({@link org.lcl.models.train.log.MetricsJsonl}), its PNG plot
 * ({@link org.lcl.models.train.log.LossPlot}) and a terminal progress bar
 * ({@link org.lcl.models.train.log.ProgressBar}).
 *
 * <p>A trainer uses them like this (rank 0 only):
 * <pre>{@code
 * try (RunLog log = RunLog.open(runDir.resolve("out.log"));
 *      MetricsJsonl metrics = MetricsJsonl.open(runDir.resolve("metrics.jsonl"))) {
 *     ParamsFile.write(runDir.resolve("params.txt"), flags);
 *     log.info("Params:");
 *     ParamsFile.lines(flags).forEach(l -> log.info("  " + l));
 *     for (int epoch = start; epoch < epochs; epoch++) {
 *         AverageMeter dataTime = new AverageMeter(), batchTime = new AverageMeter();
 *         Map<String, AverageMeter> lossMeters = new LinkedHashMap<>();   // per epoch
 *         log.progress().start(epoch, numBatches);
 *         for (batchCount = 1..numBatches) {
 *             ... dataTime.update(wait); train step; batchTime.update(seconds);
 *             lossMeters.computeIfAbsent(name, k -> new AverageMeter()).update(value, batchSize);
 *             log.progress().update(batchCount, samplesPerSecond, totalLoss);
 *             if (batchCount % logEveryNSteps == 0 || batchCount == numBatches) {
 *                 log.info(new TrainLogLine(epoch, samplesSeen, samplesPerEpoch,
 *                         100.0 * batchCount / numBatches, dataTime.avg(), batchTime.avg(),
 *                         sps, spsPerGpu, lr, logitScale, lossesWithoutTotal, total,
 *                         source.skipped()).format());
 *                 metrics.append(new StepMetrics(...));
 *                 dataTime.reset(); batchTime.reset();   // as OpenCLIP
 *             }
 *         }
 *         log.progress().finish();
 *     }
 * }
 * LossPlot.render(runDir.resolve("metrics.jsonl"), runDir.resolve("loss.png"));
 * }</pre>
 */
package org.lcl.models.train.log;
