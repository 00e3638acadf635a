package org.sshrpc.term;

import java.util.function.Supplier;
import org.junit.jupiter.api.function.Executable;

/**
 * One case of a seeded property loop: runs the check and turns any failure, a failed assertion or
 * an unexpected exception, into an {@link AssertionError} that names the case (seed, index and
 * input), so that it can be reproduced. The description is built only on failure.
 */
final class PropertyCase {
  private PropertyCase() {}

  static void check(Supplier<String> what, Executable body) {
    try {
      body.execute();
    } catch (Throwable e) {
      String description;
      try {
        description = what.get();
      } catch (RuntimeException | StackOverflowError d) {
        description = "(cannot describe the input: " + d + ")";
      }
      throw new AssertionError(description + ": " + e, e);
    }
  }
}
