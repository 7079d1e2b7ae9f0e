package org.lcl.models.data.webdataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** OpenCLIP's get_wds_dataset arithmetic, worked out by hand for each case. */
class EpochPlanTest {

    @Test
    void singleProcessFourWorkers() {
        // 10,000 samples, batch 64, 1 process, 4 workers:
        // global 64; ceil(10000/64) = ceil(156.25) = 157 batches; ceil(157/4) = 40 per worker;
        // 40*4 = 160 batches; 160*64 = 10,240 samples.
        EpochPlan p = EpochPlan.compute(10_000, "t", 64, 1, 4);
        assertEquals(64, p.globalBatchSize());
        assertEquals(40, p.numWorkerBatches());
        assertEquals(160, p.numBatches());
        assertEquals(10_240, p.numSamples());
        assertEquals(4, p.numWorkers());
    }

    @Test
    void eightProcessesTenWorkers() {
        // 1,000,000 samples, batch 256, 8 processes, 10 workers:
        // global 2048; 1e6/2048 = 488.28 -> 489; 489/10 = 48.9 -> 49; 490 batches; 490*2048 = 1,003,520.
        EpochPlan p = EpochPlan.compute(1_000_000, "t", 256, 8, 10);
        assertEquals(2048, p.globalBatchSize());
        assertEquals(49, p.numWorkerBatches());
        assertEquals(490, p.numBatches());
        assertEquals(1_003_520, p.numSamples());
    }

    @Test
    void exactDivisionChangesNothing() {
        // 8192 samples, batch 32, 2 processes, 4 workers: global 64; 128 batches; 32 per worker; 8192.
        EpochPlan p = EpochPlan.compute(8192, "t", 32, 2, 4);
        assertEquals(32, p.numWorkerBatches());
        assertEquals(128, p.numBatches());
        assertEquals(8192, p.numSamples());
    }

    @Test
    void laion400mOnB32Recipe() {
        // 407,332,084 samples (LAION-400M), batch 256, 8 processes x 4 nodes = 32, 10 workers:
        // global 8192; 407332084/8192 = 49723.15 -> 49724; /10 = 4972.4 -> 4973; 49730 batches;
        // 49730*8192 = 407,388,160 samples.
        EpochPlan p = EpochPlan.compute(407_332_084L, "t", 256, 32, 10);
        assertEquals(4973, p.numWorkerBatches());
        assertEquals(49_730, p.numBatches());
        assertEquals(407_388_160L, p.numSamples());
    }

    @Test
    void zeroWorkersCountsAsOne() {
        // 100 samples, batch 8, 1 process, --workers 0: max(1, 0) = 1; ceil(100/8) = 13; 13; 104.
        EpochPlan p = EpochPlan.compute(100, "t", 8, 1, 0);
        assertEquals(1, p.numWorkers());
        assertEquals(13, p.numBatches());
        assertEquals(104, p.numSamples());
    }

    @Test
    void fewerSamplesThanAGlobalBatchStillMakesOneBatchPerWorker() {
        // 10 samples, batch 64, 2 processes, 2 workers: ceil(10/128) = 1; ceil(1/2) = 1; 2 batches; 256.
        EpochPlan p = EpochPlan.compute(10, "t", 64, 2, 2);
        assertEquals(1, p.numWorkerBatches());
        assertEquals(2, p.numBatches());
        assertEquals(256, p.numSamples());
    }

    @Test
    void floorRounding() {
        // floor=True: 10,000 / 64 = 156; 156/4 = 39; 156 batches; 9,984 samples.
        EpochPlan p = EpochPlan.compute(10_000, "t", 64, 1, 4, 4, true);
        assertEquals(39, p.numWorkerBatches());
        assertEquals(156, p.numBatches());
        assertEquals(9_984, p.numSamples());
        assertThrows(WebDatasetException.class, () -> EpochPlan.compute(10, "t", 64, 1, 4, 4, true));
    }

    @Test
    void nonPositiveSampleCountIsAnError() {
        assertThrows(WebDatasetException.class, () -> EpochPlan.compute(0, "t", 64, 1, 4));
    }
}
