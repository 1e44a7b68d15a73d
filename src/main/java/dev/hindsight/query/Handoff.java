package dev.hindsight.query;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A second thread that takes the batches of rows a reader hands it, so that the reader's thread only reads. An
 * engine's answer has one reader, and while it reads the other cores would idle: the kernels have this thread file
 * the rows where their walk wants them, as they come. Batches the consumer is done with come back through
 * {@link #reuse}, so that a long answer does not allocate a batch per few thousand rows.
 */
final class Handoff<B> implements AutoCloseable {
    private static final Object END = new Object();

    private final BlockingQueue<Object> handed = new ArrayBlockingQueue<>(256);
    private final BlockingQueue<B> spare = new ArrayBlockingQueue<>(256);
    private final Thread thread;
    private volatile Throwable failure;

    /** Starts the thread, which hands each batch to {@code consumer} in the order handed. */
    Handoff(String name, Consumer<B> consumer) {
        thread = Thread.ofPlatform().daemon().name(name).start(() -> consume(consumer));
    }

    @SuppressWarnings("unchecked")
    private void consume(Consumer<B> consumer) {
        try {
            for (Object b = handed.take(); b != END; b = handed.take()) {
                consumer.accept((B) b);
                spare.offer((B) b);
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Hands a batch over, waiting while 256 are queued; fails if the consumer failed. */
    void hand(B batch) {
        put(batch);
    }

    /** A batch the consumer is done with, or null. */
    B reuse() {
        return spare.poll();
    }

    /** Waits until every batch handed is consumed; rethrows the consumer's failure. */
    void finish() {
        put(END);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + thread.getName(), e);
        }
        if (failure != null) {
            throw new IllegalStateException(thread.getName() + " failed", failure);
        }
    }

    private void put(Object batch) {
        try {
            while (!handed.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                if (failure != null) {
                    throw new IllegalStateException(thread.getName() + " failed", failure);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while handing rows to " + thread.getName(), e);
        }
    }

    /**
     * Stops the thread if the rows were not all handed (a query that failed half way), and waits for it to end, so
     * that a stopped query leaves no work behind.
     */
    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
