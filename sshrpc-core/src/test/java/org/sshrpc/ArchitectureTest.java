package org.sshrpc;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one-way layering rule (cli → client/server → auth/acl → wire → term), checked on bytecode. */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.sshrpc");
  }

  @Test
  void termDependsOnlyOnTheJdk() {
    noClasses()
        .that().resideInAPackage("org.sshrpc.term..")
        .should().dependOnClassesThat().resideOutsideOfPackages("org.sshrpc.term..", "java..")
        .check(classes);
  }

  @Test
  void wireKnowsNothingOfSshOrTheEnds() {
    noClasses()
        .that().resideInAPackage("org.sshrpc.wire..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.apache.sshd..", "org.sshrpc.server..", "org.sshrpc.client..",
            "org.sshrpc.auth..", "org.sshrpc.acl..", "org.sshrpc.cli..")
        .check(classes);
  }

  @Test
  void aclIsPureAndBelowTheEnds() {
    noClasses()
        .that().resideInAPackage("org.sshrpc.acl..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.apache.sshd..", "org.sshrpc.server..", "org.sshrpc.client..", "org.sshrpc.wire..", "org.sshrpc.cli..")
        .check(classes);
  }

  @Test
  void authIsBelowTheEnds() {
    noClasses()
        .that().resideInAPackage("org.sshrpc.auth..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.sshrpc.server..", "org.sshrpc.client..", "org.sshrpc.wire..", "org.sshrpc.cli..")
        .check(classes);
  }

  @Test
  void clientAndServerAreIndependent() {
    noClasses().that().resideInAPackage("org.sshrpc.client..")
        .should().dependOnClassesThat().resideInAnyPackage("org.sshrpc.server..", "org.sshrpc.cli..")
        .check(classes);
    noClasses().that().resideInAPackage("org.sshrpc.server..")
        .should().dependOnClassesThat().resideInAnyPackage("org.sshrpc.client..", "org.sshrpc.cli..")
        .check(classes);
  }

  @Test
  void rootPackageDependsOnlyOnTerms() {
    noClasses()
        .that().resideInAPackage("org.sshrpc")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.apache.sshd..", "org.sshrpc.server..", "org.sshrpc.client..", "org.sshrpc.wire..",
            "org.sshrpc.auth..", "org.sshrpc.acl..", "org.sshrpc.cli..")
        .check(classes);
  }
}
