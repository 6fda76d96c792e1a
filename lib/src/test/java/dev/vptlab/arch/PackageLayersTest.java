package dev.vptlab.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The library's packages build strictly upward: a package may use only the packages listed before it
 * (docs/architecture.md explains the order). Test classes are not checked.
 */
class PackageLayersTest {
    /** Lowest first. Each entry is one layer; packages in one layer do not use each other. */
    static final List<List<String>> LAYERS = List.of(
            List.of("dev.vptlab"),
            List.of("dev.vptlab.util"),
            List.of("dev.vptlab.reference"),
            List.of("dev.vptlab.model"),
            List.of("dev.vptlab.checkpoint"),
            List.of("dev.vptlab.data"),
            List.of("dev.vptlab.mini"),
            List.of("dev.vptlab.prompt"),
            List.of("dev.vptlab.task"),
            List.of("dev.vptlab.train"),
            List.of("dev.vptlab.seg"),
            List.of("dev.vptlab.ssl"),
            List.of("dev.vptlab.report"),
            List.of("dev.vptlab.plan"),
            List.of("dev.vptlab.reproduce"),
            List.of("dev.vptlab.notebook"),
            List.of("dev.vptlab.cli"));

    /** One rule per layer: none of its classes depends on a class of a later layer or of a peer in its layer. */
    static ArchRule layersBuildUpward() {
        List<ArchRule> rules = new ArrayList<>();
        for (int i = 0; i < LAYERS.size(); i++) {
            List<String> forbidden = new ArrayList<>();
            LAYERS.subList(i + 1, LAYERS.size()).forEach(forbidden::addAll);
            for (String pkg : LAYERS.get(i)) {
                List<String> own = new ArrayList<>(forbidden);
                LAYERS.get(i).stream().filter(p -> !p.equals(pkg)).forEach(own::add);
                if (!own.isEmpty()) {
                    rules.add(noClasses().that().resideInAPackage(pkg).should().dependOnClassesThat()
                            .resideInAnyPackage(own.toArray(String[]::new))
                            .as(pkg + " uses only the packages below it").allowEmptyShould(true));
                }
            }
        }
        return CompositeArchRule.of(rules);
    }

    @Test
    void packagesBuildStrictlyUpward() {
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.vptlab");
        assertTrue(main.size() > 200, "the library's classes were found: " + main.size());
        layersBuildUpward().check(main);
    }

    @Test
    void everyPackageHasALayer() {
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.vptlab");
        List<String> known = LAYERS.stream().flatMap(List::stream).toList();
        List<String> unplaced = main.stream().map(c -> c.getPackageName()).distinct()
                .filter(p -> !known.contains(p)).sorted().toList();
        assertTrue(unplaced.isEmpty(), "packages without a layer in PackageLayersTest.LAYERS: " + unplaced);
    }

    /** The rule is not vacuous: a model class that uses the CLI breaks it. */
    @Test
    void aLowerPackageUsingAHigherOneFails() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.vptlab.model").that(com.tngtech.archunit.base.DescribedPredicate.describe("the fixture", c -> c.getSimpleName().equals("LayerViolationFixture")));
        AssertionError e = assertThrows(AssertionError.class, () -> layersBuildUpward().check(fixture));
        assertTrue(e.getMessage().contains("dev.vptlab.cli"), e.getMessage());
    }
}
