package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.query.Formula.Bin;
import dev.hindsight.query.Formula.Neg;
import dev.hindsight.query.Formula.Num;
import dev.hindsight.query.Formula.Ref;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The formula parser: precedence, associativity, unary minus, constants, and errors with their column. */
class FormulaParserTest {

    private static Formula.Expr parse(String text) {
        return FormulaParser.parse(text, 3);
    }

    private static Double eval(String text, Double... series) {
        return new Formula(text, text, parse(text)).eval(i -> series[i]);
    }

    @Test
    void multiplicationBindsTighterThanAdditionAndBothAssociateLeft() {
        assertThat(parse("A + B * C")).isEqualTo(new Bin('+', new Ref(0), new Bin('*', new Ref(1), new Ref(2))));
        assertThat(parse("A - B - C")).isEqualTo(new Bin('-', new Bin('-', new Ref(0), new Ref(1)), new Ref(2)));
        assertThat(parse("A / B / 2")).isEqualTo(new Bin('/', new Bin('/', new Ref(0), new Ref(1)), new Num(2)));
        assertThat(parse("(A + B) * C")).isEqualTo(new Bin('*', new Bin('+', new Ref(0), new Ref(1)), new Ref(2)));
    }

    @Test
    void unaryMinusAndConstantsParse() {
        assertThat(parse("-A")).isEqualTo(new Neg(new Ref(0)));
        assertThat(parse("--A")).isEqualTo(new Neg(new Neg(new Ref(0))));
        assertThat(parse("A * -2.5")).isEqualTo(new Bin('*', new Ref(0), new Neg(new Num(2.5))));
        assertThat(parse(" .5 + 5. ")).isEqualTo(new Bin('+', new Num(0.5), new Num(5)));
        assertThat(parse("100")).isEqualTo(new Num(100));
    }

    @Test
    void evaluationFollowsArithmeticWithNullForMissingValuesAndDivisionByZero() {
        assertThat(eval("A / B * 100", 1.0, 4.0, null)).isEqualTo(25.0);
        assertThat(eval("-(A - B) * 2 + .5", 6.0, 4.0, null)).isEqualTo(-3.5);
        assertThat(eval("A / B", 1.0, 0.0, null)).isNull();
        assertThat(eval("A / (B - B)", 1.0, 2.0, null)).isNull();
        assertThat(eval("A + C", 1.0, 2.0, null)).isNull();
        assertThat(eval("C * 0", 1.0, 2.0, null)).as("a missing value stays missing").isNull();
        assertThat(eval("2 - 3")).isEqualTo(-1.0);
    }

    @Test
    void aFormulaListsTheSeriesItReadsOnceInOrder() {
        assertThat(new Formula("f", "C + A * C", parse("C + A * C")).refs()).isEqualTo(List.of(2, 0));
        assertThat(new Formula("f", "1 + 2", parse("1 + 2")).refs()).isEmpty();
    }

    private static void refused(String text, int column, String words) {
        assertThatThrownBy(() -> parse(text)).isInstanceOf(FormulaParser.SyntaxError.class)
                .hasMessageContaining(words).hasMessageContaining("(column " + column + ")")
                .satisfies(e -> assertThat(((FormulaParser.SyntaxError) e).position).isEqualTo(column - 1));
    }

    @Test
    void syntaxErrorsNameTheirColumn() {
        refused("", 1, "empty");
        refused("   ", 4, "empty");
        refused("A +", 4, "ends");
        refused("A B", 3, "unexpected 'B'");
        refused("(A + B", 7, "')' expected to close the '(' of column 1");
        refused("A + )", 5, "unexpected ')'");
        refused("A ^ 2", 3, "unexpected '^'");
        refused("A / D", 5, "unknown series D: the graph has 3 series (A to C)");
        refused("a", 1, "capital letters");
        refused("AB", 1, "one capital letter");
        refused("2A", 2, "after a number");
        refused(".", 1, "digits");
        refused("1e5", 2, "after a number");
        refused("(".repeat(60) + "A" + ")".repeat(60), 51, "deeper than 50");
        refused("A+".repeat(300) + "A", 501, "longer than 500");
    }

    @Test
    void aGraphOfOneSeriesKnowsOnlyA() {
        assertThatThrownBy(() -> FormulaParser.parse("B", 1)).hasMessageContaining("has 1 series (A)");
    }
}
