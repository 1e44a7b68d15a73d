package dev.hindsight.build;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The build test that keeps the main code's packages free of dependency cycles (DESIGN.md "The engine
 * boundary"): each package under {@code dev.hindsight} (a sub-package such as {@code store.duckdb} counts as its
 * own) may depend on others only one way, so that error codes, the analyses' port and the engines stay separable.
 */
class PackageCyclesTest {
    @Test
    void noTwoPackagesOfTheMainCodeDependOnEachOther() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.hindsight");
        slices().matching("dev.hindsight.(**)").should().beFreeOfCycles().check(classes);
    }
}
