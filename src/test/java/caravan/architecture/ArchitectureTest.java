package caravan.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.CanBeAnnotated.Predicates.metaAnnotatedWith;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;
import org.springframework.stereotype.Component;

/**
 * The hub's rooms: capabilities without cycles, routes that reach beans by name. The edge agent is kept apart by the
 * build (its own module, see edge-agent's AgentArchitectureTest).
 */
class ArchitectureTest {

    private static final JavaClasses HUB = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("caravan", "routes");

    /** No two packages under {@code root} depend on each other, directly or through others. */
    static ArchRule packagesFreeOfCycles(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles();
    }

    @Test
    void capabilitiesDoNotDependOnEachOtherInCycles() {
        packagesFreeOfCycles("caravan").check(HUB);
    }

    @Test
    void aCycleBetweenPackagesFailsTheRule() {
        String fixture = "caravan.architecture.cycle"; // two packages that use each other
        JavaClasses cyclic = new ClassFileImporter().importPackages(fixture);
        assertThatThrownBy(() -> packagesFreeOfCycles(fixture).check(cyclic))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Cycle detected");
    }

    @Test
    void routesReachTheHubsBeansOnlyByName() {
        noClasses().that().resideInAPackage("routes")
                .should().dependOnClassesThat(resideInAPackage("caravan..").and(metaAnnotatedWith(Component.class)))
                .because("a route calls a bean by its name (bean: ref), so that Hawtio and the YAML show what it calls")
                .check(HUB);
    }
}
