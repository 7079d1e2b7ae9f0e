package org.lcl.models.train.dist;

import java.time.Duration;

import org.lcl.models.loss.FeatureGather;
import org.lcl.torch.Device;
import org.lcl.torch.ProcessGroup;
import org.lcl.torch.TcpStore;

/**
 * This process's membership of a c10d run: the TCPStore rendezvous at MASTER_ADDR:MASTER_PORT
 * (rank 0 hosts it), a process group (NCCL for a CUDA device, Gloo for CPU) whose collectives
 * give up after the timeout, and what the trainer builds on them.
 */
public final class Distributed implements AutoCloseable {

    private final DistEnv env;
    private final Device device;
    private final TcpStore store;
    private final ProcessGroup group;
    private final BucketedAllReduce dataParallel;

    private Distributed(DistEnv env, Device device, TcpStore store, ProcessGroup group) {
        this.env = env;
        this.device = device;
        this.store = store;
        this.group = group;
        this.dataParallel = new BucketedAllReduce(group, BucketedAllReduce.DEFAULT_BUCKET_BYTES);
    }

    /** Joins the run; blocks until every rank has joined or the timeout has passed. */
    public static Distributed init(DistEnv env, Device device, Duration timeout) {
        TcpStore store = TcpStore.create(env.masterAddr(), env.masterPort(), env.worldSize(), env.rank() == 0, timeout);
        try {
            ProcessGroup group = ProcessGroup.create(store, ProcessGroup.Backend.forDevice(device), env.rank(), env.worldSize(), timeout);
            return new Distributed(env, device, store, group);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Each worker binds cuda:LOCAL_RANK (as torchrun scripts do); a CPU device stays CPU. */
    public static Device workerDevice(Device requested, int localRank) {
        return requested.type() == Device.Type.CUDA ? Device.parse("cuda:" + localRank) : requested;
    }

    public DistEnv env() {
        return env;
    }

    public Device device() {
        return device;
    }

    public TcpStore store() {
        return store;
    }

    public ProcessGroup group() {
        return group;
    }

    public FeatureGather gather() {
        return new C10dFeatureGather(group, device);
    }

    public BucketedAllReduce dataParallel() {
        return dataParallel;
    }

    /** Leaves the run: the group, then the store, rank 0's (which the others talk to) after every other rank has left. */
    @Override
    public void close() {
        try {
            group.close();
            store.add("lcl/left", 1);
            if (env.rank() == 0) {
                long deadline = System.nanoTime() + group.timeout().toNanos();
                while (store.add("lcl/left", 0) < env.worldSize() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            store.close();
        }
    }
}
