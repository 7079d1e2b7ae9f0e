package org.lcl.models.data.loader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the batch loaders share: platform worker threads that put finished batches on a bounded
 * prefetch queue, the first worker failure rethrown to the consumer, the consumer's waiting time,
 * and a close that interrupts and joins the workers. The loaders supply the worker body and
 * free their own buffers once every worker has stopped.
 */
final class WorkerQueue<B> {

    /** A worker's loop; an InterruptedException (close) ends it quietly, anything else is its failure. */
    interface Body {
        void run(int worker) throws Exception;
    }

    private static final AtomicInteger LOADERS = new AtomicInteger();
    private static final long JOIN_MILLIS = 10_000;

    private record Failure(int worker, Throwable cause) {
    }

    private final String kind;
    private final String context;
    private final String threadPrefix;
    private final BlockingQueue<B> queue;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicReference<Failure> failure = new AtomicReference<>();
    private final long startNanos = System.nanoTime();
    private final LongAdder waitNanos = new LongAdder();
    private volatile boolean closed;
    private long delivered;

    /**
     * @param kind names the loader in messages ("data loader", "MMC4 loader")
     * @param threadStem names its threads: lcl-STEM-N-wW
     * @param context what a failure message adds, e.g. "(epoch 3, rank 0)"
     */
    WorkerQueue(String kind, String threadStem, String context, int prefetch) {
        this.kind = kind;
        this.context = context;
        this.threadPrefix = "lcl-" + threadStem + "-" + LOADERS.incrementAndGet() + "-w";
        this.queue = new ArrayBlockingQueue<>(prefetch);
    }

    String threadNamePrefix() {
        return threadPrefix;
    }

    /** Starts numWorkers daemon threads running body(w). */
    void start(int numWorkers, Body body) {
        for (int w = 0; w < numWorkers; w++) {
            int worker = w;
            workers.add(Thread.ofPlatform().daemon(true).name(threadPrefix + w).unstarted(() -> {
                try {
                    body.run(worker);
                } catch (InterruptedException e) {
                    // close(): stop quietly
                } catch (Throwable t) {
                    if (!closed) {
                        failure.compareAndSet(null, new Failure(worker, t));
                    }
                }
            }));
        }
        workers.forEach(Thread::start);
    }

    /** For the workers: whether to stop. */
    boolean stopping() {
        return closed || Thread.currentThread().isInterrupted();
    }

    void put(B batch) throws InterruptedException {
        queue.put(batch);
    }

    boolean isClosed() {
        return closed;
    }

    /** Batches handed out so far. */
    long delivered() {
        return delivered;
    }

    double secondsSinceStart() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    double waitSeconds() {
        return waitNanos.sum() / 1e9;
    }

    /**
     * The next batch of an epoch of total batches, waiting for one if needed.
     *
     * @throws PairedBatchLoader.WorkerFailure if a worker failed
     * @throws NoSuchElementException after total batches
     * @throws IllegalStateException after close, or when interrupted
     */
    B next(long total) {
        if (closed) {
            throw new IllegalStateException("loader closed");
        }
        if (delivered >= total) {
            throw new NoSuchElementException("epoch done: " + delivered + " batches");
        }
        long t0 = System.nanoTime();
        try {
            while (true) {
                Failure f = failure.get();
                if (f != null) {
                    throw new PairedBatchLoader.WorkerFailure(kind + " worker " + f.worker() + " of " + workers.size() + " "
                            + context + " failed: " + f.cause(), f.cause());
                }
                B b = queue.poll(50, TimeUnit.MILLISECONDS);
                if (b != null) {
                    delivered++;
                    return b;
                }
                if (closed) {
                    throw new IllegalStateException("loader closed");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        } finally {
            waitNanos.add(System.nanoTime() - t0);
        }
    }

    /**
     * Interrupts and joins the workers and drops queued batches; freeBuffers runs only when every
     * worker has stopped (a worker still running might write into them), else a warning is logged.
     * Idempotent.
     */
    void close(Runnable freeBuffers) {
        if (closed) {
            return;
        }
        closed = true;
        workers.forEach(Thread::interrupt);
        boolean allStopped = true;
        for (Thread t : workers) {
            try {
                t.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            allStopped &= !t.isAlive();
        }
        queue.clear();
        if (allStopped) {
            freeBuffers.run();
        } else {
            System.getLogger(WorkerQueue.class.getName()).log(System.Logger.Level.WARNING,
                    kind + " workers still running after " + JOIN_MILLIS + " ms: " + Arrays.toString(
                            workers.stream().filter(Thread::isAlive).map(Thread::getName).toArray()));
        }
    }
}
