package org.lcl.models.train.dist;

import java.util.Map;

/**
 * Where this process sits in a multi-process run, read as torch.distributed does: torchrun's
 * RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT first; else SLURM's
 * SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_NTASKS_PER_NODE and the first host of the
 * step's node list (MASTER_ADDR/MASTER_PORT still override); else one process.
 *
 * @param source "torchrun", "slurm" or "single"
 */
public record DistEnv(int rank, int worldSize, int localRank, int localWorldSize, String masterAddr, int masterPort, String source) {

    /** torch.distributed's default MASTER_PORT in launch scripts. */
    public static final int DEFAULT_PORT = 29500;

    public DistEnv {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " of world size " + worldSize + " (" + source + " environment)");
        }
        if (localRank < 0 || localWorldSize < 1 || localRank >= localWorldSize) {
            throw new IllegalArgumentException("local rank " + localRank + " of " + localWorldSize + " (" + source + " environment)");
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("MASTER_PORT " + masterPort + " is not a TCP port");
        }
    }

    public static DistEnv single() {
        return new DistEnv(0, 1, 0, 1, "127.0.0.1", DEFAULT_PORT, "single");
    }

    public boolean distributed() {
        return worldSize > 1;
    }

    public static DistEnv from(Map<String, String> env) {
        if (env.containsKey("RANK") && env.containsKey("WORLD_SIZE")) {
            int world = integer(env, "WORLD_SIZE");
            int local = env.containsKey("LOCAL_RANK") ? integer(env, "LOCAL_RANK") : 0;
            int localWorld = env.containsKey("LOCAL_WORLD_SIZE") ? integer(env, "LOCAL_WORLD_SIZE") : Math.max(1, local + 1);
            return new DistEnv(integer(env, "RANK"), world, local, localWorld, env.getOrDefault("MASTER_ADDR", "127.0.0.1"),
                    port(env), "torchrun");
        }
        if (env.containsKey("SLURM_PROCID") && env.containsKey("SLURM_NTASKS")) {
            int world = integer(env, "SLURM_NTASKS");
            int local = env.containsKey("SLURM_LOCALID") ? integer(env, "SLURM_LOCALID") : 0;
            String perNode = env.getOrDefault("SLURM_NTASKS_PER_NODE", env.get("SLURM_STEP_TASKS_PER_NODE"));
            int localWorld = perNode != null ? leadingInt(perNode, "SLURM_NTASKS_PER_NODE") : Math.max(1, local + 1);
            String nodes = env.getOrDefault("SLURM_STEP_NODELIST", env.getOrDefault("SLURM_JOB_NODELIST", env.get("SLURM_NODELIST")));
            String master = env.containsKey("MASTER_ADDR") ? env.get("MASTER_ADDR") : nodes != null ? firstHost(nodes) : "127.0.0.1";
            return new DistEnv(integer(env, "SLURM_PROCID"), world, local, localWorld, master, port(env), "slurm");
        }
        return single();
    }

    /**
     * The first host of a SLURM node list: "gpu-[03-05,09],cpu1" → "gpu-03" (what
     * {@code scontrol show hostnames | head -n1} prints; zero padding kept).
     */
    public static String firstHost(String nodeList) {
        String s = nodeList.trim();
        int bracket = s.indexOf('[');
        int comma = s.indexOf(',');
        if (bracket < 0 || (comma >= 0 && comma < bracket)) {
            return comma >= 0 ? s.substring(0, comma) : s;
        }
        int close = s.indexOf(']', bracket);
        if (close < 0) {
            throw new IllegalArgumentException("SLURM node list " + nodeList + ": unclosed '['");
        }
        String first = s.substring(bracket + 1, close).split(",")[0].split("-")[0];
        return s.substring(0, bracket) + first;
    }

    private static int port(Map<String, String> env) {
        return env.containsKey("MASTER_PORT") ? integer(env, "MASTER_PORT") : DEFAULT_PORT;
    }

    private static int integer(Map<String, String> env, String key) {
        try {
            return Integer.parseInt(env.get(key).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("environment variable " + key + "=" + env.get(key) + " is not an integer");
        }
    }

    private static int leadingInt(String v, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*(\\d+)").matcher(v);
        if (!m.find()) {
            throw new IllegalArgumentException("environment variable " + key + "=" + v + " does not start with a count");
        }
        return Integer.parseInt(m.group(1));
    }
}
