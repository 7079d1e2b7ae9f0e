package org.lcl.models.train;

import java.nio.file.Path;

/** Receives the trainer's progress (the run's log, metrics file and progress bar implement it). */
public interface TrainListener {

    /** A message for the run's log. */
    default void info(String message) {
    }

    /** A warning for the run's log. */
    default void warning(String message) {
    }

    /** After every optimiser step (skipped ones included). */
    default void onStep(StepReport metrics) {
    }

    /** After an epoch, with the checkpoint files written (possibly none). */
    default void onEpochEnd(int completedEpoch, java.util.List<Path> checkpoints) {
    }
}
