package dev.hindsight.define;

/** A selector that cannot be used: its message names the unsupported or malformed part. */
public final class SelectorException extends RuntimeException {
    public SelectorException(String message) {
        super(message);
    }

    public SelectorException(String message, int position) {
        super(message + " (at character " + (position + 1) + ")");
    }
}
