package dev.hindsight.query;

import java.util.List;
import java.util.function.IntFunction;

/**
 * A graph formula: arithmetic over the graph's series, named A, B, C ... in their order, as Heap's and PostHog's
 * graphs have it ({@code A / B * 100}). It is evaluated per bucket (and per breakdown value); a missing operand
 * (null) or a division by zero makes the value null.
 */
public record Formula(String name, String expression, Expr root) {

    /** A formula's expression, parsed: a constant, a series, a negation or a binary operation. */
    public sealed interface Expr {
    }

    /** A numeric constant. */
    public record Num(double value) implements Expr {
    }

    /** Series {@code index} (0 for A). */
    public record Ref(int index) implements Expr {
    }

    /** Unary minus. */
    public record Neg(Expr operand) implements Expr {
    }

    /** {@code left op right}, {@code op} one of {@code + - * /}. */
    public record Bin(char op, Expr left, Expr right) implements Expr {
    }

    /** The series a formula reads, by index, in the order they first appear. */
    public List<Integer> refs() {
        List<Integer> out = new java.util.ArrayList<>();
        collect(root, out);
        return out;
    }

    private static void collect(Expr e, List<Integer> out) {
        switch (e) {
            case Num n -> {
            }
            case Ref r -> {
                if (!out.contains(r.index())) {
                    out.add(r.index());
                }
            }
            case Neg n -> collect(n.operand(), out);
            case Bin b -> {
                collect(b.left(), out);
                collect(b.right(), out);
            }
        }
    }

    /** The value with series {@code i}'s value from {@code series} (null: none); null when undefined. */
    public Double eval(IntFunction<Double> series) {
        return eval(root, series);
    }

    private static Double eval(Expr e, IntFunction<Double> series) {
        return switch (e) {
            case Num n -> n.value();
            case Ref r -> series.apply(r.index());
            case Neg n -> {
                Double v = eval(n.operand(), series);
                yield v == null ? null : -v;
            }
            case Bin b -> {
                Double l = eval(b.left(), series);
                Double r = eval(b.right(), series);
                if (l == null || r == null) {
                    yield null;
                }
                double v = switch (b.op()) {
                    case '+' -> l + r;
                    case '-' -> l - r;
                    case '*' -> l * r;
                    case '/' -> r == 0 ? Double.NaN : l / r;
                    default -> throw new IllegalStateException("operator " + b.op());
                };
                // Division by zero, and overflow to infinity, have no value JSON can carry.
                yield Double.isFinite(v) ? v : null;
            }
        };
    }
}
