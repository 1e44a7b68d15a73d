package dev.hindsight.store;

import java.util.List;

/** A page of a user's merged event stream, newest first; {@code nextCursor} is null on the last page. */
public record EventPage(List<RawEvent> events, String nextCursor) {
}
