package dev.hindsight.build;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The build tests that keep the main code's packages in shape (DESIGN.md "The engine boundary"): each package under
 * {@code dev.hindsight} (a sub-package such as {@code store.duckdb} counts as its own) depends on others only one
 * way, and only the composition root knows the DuckDB engine, which everything else reaches through its ports.
 */
class PackageCyclesTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.hindsight");

    @Test
    void noTwoPackagesOfTheMainCodeDependOnEachOther() {
        slices().matching("dev.hindsight.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void onlyTheCompositionRootKnowsTheDuckDbEngine() {
        noClasses().that().resideOutsideOfPackages("dev.hindsight", "dev.hindsight.store.duckdb..")
                .should().dependOnClassesThat().resideInAPackage("dev.hindsight.store.duckdb..")
                .check(MAIN);
    }
}
