package caravan.agent;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The agent runs on devices on its own: its code and the deploy runtime it shares with the hub use no Spring and no hub code. */
class AgentArchitectureTest {

    private static final JavaClasses AGENT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("caravan.agent", "caravan.deploy");

    @Test
    void theAgentUsesNoneOfTheHub() {
        noClasses().should().dependOnClassesThat(resideInAPackage("caravan..")
                        .and(not(resideInAnyPackage("caravan.agent..", "caravan.deploy.."))))
                .orShould().dependOnClassesThat(resideInAPackage("routes.."))
                .because("the hub's packages are not on a device")
                .check(AGENT);
    }

    @Test
    void theAgentRunsWithoutSpring() {
        noClasses().should().dependOnClassesThat(resideInAPackage("org.springframework.."))
                .because("the agent must stay small on a Raspberry Pi (Camel Main, no Spring)")
                .check(AGENT);
    }
}
