package org.lcl.models.train.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lcl.torch.Device;

class DistEnvTest {

    @Test
    void torchrunVariables() {
        DistEnv e = DistEnv.from(Map.of("RANK", "5", "WORLD_SIZE", "8", "LOCAL_RANK", "1", "LOCAL_WORLD_SIZE", "4", "MASTER_ADDR", "n0",
                "MASTER_PORT", "1234", "SLURM_PROCID", "0", "SLURM_NTASKS", "2"));
        assertEquals(new DistEnv(5, 8, 1, 4, "n0", 1234, "torchrun"), e);
        assertTrue(e.distributed());
    }

    @Test
    void slurmVariables() {
        DistEnv e = DistEnv.from(Map.of("SLURM_PROCID", "6", "SLURM_NTASKS", "8", "SLURM_LOCALID", "2", "SLURM_NTASKS_PER_NODE", "4(x2)",
                "SLURM_JOB_NODELIST", "gpu-[07-08]"));
        assertEquals(new DistEnv(6, 8, 2, 4, "gpu-07", DistEnv.DEFAULT_PORT, "slurm"), e);
    }

    @Test
    void nodeLists() {
        assertEquals("node01", DistEnv.firstHost("node[01-04,07]"));
        assertEquals("a1", DistEnv.firstHost("a1,b[2-3]"));
        assertEquals("solo", DistEnv.firstHost("solo"));
        assertEquals("x-9", DistEnv.firstHost("x-[9,11]"));
    }

    @Test
    void noVariablesIsOneProcess() {
        assertFalse(DistEnv.from(Map.of()).distributed());
    }

    @Test
    void badValuesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistEnv.from(Map.of("RANK", "two", "WORLD_SIZE", "4")));
        assertTrue(e.getMessage().contains("RANK=two"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DistEnv.from(Map.of("RANK", "4", "WORLD_SIZE", "4")));
        assertTrue(e.getMessage().contains("rank 4 of world size 4"), e.getMessage());
    }

    @Test
    void workersBindTheirLocalGpu() {
        assertEquals(Device.parse("cuda:3"), Distributed.workerDevice(Device.parse("cuda"), 3));
        assertEquals(Device.CPU, Distributed.workerDevice(Device.CPU, 3));
    }
}
