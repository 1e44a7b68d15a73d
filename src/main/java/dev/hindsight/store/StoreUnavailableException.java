package dev.hindsight.store;

/**
 * A store failure that no input caused, so retrying other ops cannot help: the disk is full or failing, the
 * database was closed or invalidated, memory ran out. The write queue answers 503 at once rather than splitting
 * the commit to look for an offending op.
 */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
