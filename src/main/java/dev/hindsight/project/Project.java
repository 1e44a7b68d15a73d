package dev.hindsight.project;

import java.util.List;

/** A project: a product being measured, with its environments. */
public record Project(long id, String name, List<Environment> environments) {
}
