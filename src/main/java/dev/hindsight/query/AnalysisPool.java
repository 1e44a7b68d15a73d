package dev.hindsight.query;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The bounded pool the analyses run on: each analysis runs in one of its threads, and so do the parallel passes of
 * the kernels (a parallel stream started in a pool's thread runs in that pool), so that the analyses' Java work
 * takes at most {@code parallelism} cores and never the JVM's common pool. The pool does not grow past that to
 * make up for a thread that waits (for the engine, or for the identity links); work forked by a waiting thread is
 * run by the thread itself when it joins it, so nothing waits on a thread that cannot come.
 */
final class AnalysisPool {
    private final ForkJoinPool pool;

    AnalysisPool(int parallelism) {
        this.pool = new ForkJoinPool(parallelism, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("hindsight-analysis-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false, 0, parallelism, 1, p -> true, 60, TimeUnit.SECONDS);
    }

    /** Ends the pool's threads once their work is done. */
    void close() {
        pool.shutdown();
    }

    /** Runs {@code work} in the pool and waits for it; its failure is rethrown as it was thrown. */
    <T> T run(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, pool).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
