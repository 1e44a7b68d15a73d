package dev.hindsight.query;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A page of the users list ({@code GET /api/users}, a cohort's members; see {@link UserList}): the users shown,
 * how many qualify in all, and the cursor of the next page (null on the last page).
 */
public record UserPage(List<Answer.User> users, long total, @JsonProperty("next_cursor") String nextCursor) {
}
