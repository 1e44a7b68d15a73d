package dev.hindsight.query;

import dev.hindsight.query.Formula.Bin;
import dev.hindsight.query.Formula.Expr;
import dev.hindsight.query.Formula.Neg;
import dev.hindsight.query.Formula.Num;
import dev.hindsight.query.Formula.Ref;

/**
 * A recursive-descent parser of formula expressions. Grammar: {@code expr := term (('+' | '-') term)*},
 * {@code term := unary (('*' | '/') unary)*}, {@code unary := '-' unary | atom},
 * {@code atom := number | letter | '(' expr ')'}; a number is digits with an optional fraction ({@code 100},
 * {@code 0.5}, {@code .5}); a letter is one capital A to Z naming a series; white space is ignored.
 */
final class FormulaParser {
    /** Longest expression taken: a formula screen's field, not a program. */
    static final int MAX_LENGTH = 500;
    /** Deepest nesting of parentheses and unary minus, so that parsing needs a bounded stack. */
    static final int MAX_DEPTH = 50;

    /** A syntax error at {@code position} (from 0) of the expression; its message counts columns from 1. */
    static final class SyntaxError extends RuntimeException {
        final int position;

        SyntaxError(int position, String message) {
            super(message + " (column " + (position + 1) + ")");
            this.position = position;
        }
    }

    private final String text;
    private final int series;
    private int pos;
    private int depth;

    private FormulaParser(String text, int series) {
        this.text = text;
        this.series = series;
    }

    /** Parses {@code text} over {@code series} series (letters from A); throws {@link SyntaxError}. */
    static Expr parse(String text, int series) {
        if (text.length() > MAX_LENGTH) {
            throw new SyntaxError(MAX_LENGTH, "the expression is longer than " + MAX_LENGTH + " characters");
        }
        FormulaParser p = new FormulaParser(text, series);
        p.skip();
        if (p.pos == text.length()) {
            throw new SyntaxError(p.pos, "the expression is empty");
        }
        Expr e = p.expr();
        if (p.pos < text.length()) {
            throw new SyntaxError(p.pos, "unexpected '" + text.charAt(p.pos) + "'");
        }
        return e;
    }

    private Expr expr() {
        Expr e = term();
        while (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
            char op = text.charAt(pos++);
            skip();
            e = new Bin(op, e, term());
        }
        return e;
    }

    private Expr term() {
        Expr e = unary();
        while (pos < text.length() && (text.charAt(pos) == '*' || text.charAt(pos) == '/')) {
            char op = text.charAt(pos++);
            skip();
            e = new Bin(op, e, unary());
        }
        return e;
    }

    private Expr unary() {
        if (pos < text.length() && text.charAt(pos) == '-') {
            enter();
            pos++;
            skip();
            Expr e = new Neg(unary());
            depth--;
            return e;
        }
        return atom();
    }

    private Expr atom() {
        if (pos >= text.length()) {
            throw new SyntaxError(pos, "the expression ends where a number, a series letter or '(' was expected");
        }
        char c = text.charAt(pos);
        int start = pos;
        if (c == '(') {
            enter();
            pos++;
            skip();
            Expr e = expr();
            depth--;
            if (pos >= text.length() || text.charAt(pos) != ')') {
                throw new SyntaxError(pos, "')' expected to close the '(' of column " + (start + 1));
            }
            pos++;
            skip();
            return e;
        }
        if (c >= 'A' && c <= 'Z') {
            pos++;
            if (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
                throw new SyntaxError(start, "a series is one capital letter (A for the first series)");
            }
            int index = c - 'A';
            if (index >= series) {
                throw new SyntaxError(start, "unknown series " + c + ": the graph has " + series + " series ("
                        + (series == 1 ? "A" : "A to " + (char) ('A' + Math.min(series, 26) - 1)) + ")");
            }
            skip();
            return new Ref(index);
        }
        if (c >= '0' && c <= '9' || c == '.') {
            while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
                pos++;
            }
            if (pos < text.length() && text.charAt(pos) == '.') {
                pos++;
                int digits = pos;
                while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
                    pos++;
                }
                if (pos == digits && digits - 1 == start) {
                    throw new SyntaxError(start, "a number needs digits");
                }
            }
            if (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
                throw new SyntaxError(pos, "unexpected '" + text.charAt(pos) + "' after a number");
            }
            double v = Double.parseDouble(text.substring(start, pos));
            skip();
            return new Num(v);
        }
        if (Character.isLetter(c)) {
            throw new SyntaxError(start, "unknown name '" + c + "': series are capital letters A, B, C ...");
        }
        throw new SyntaxError(start, "unexpected '" + c + "' where a number, a series letter or '(' was expected");
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw new SyntaxError(pos, "the expression nests deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void skip() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }
}
