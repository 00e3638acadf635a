package org.sshrpc.testing;

import java.io.File;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/** Finds external tools (erl, escript, sshd, ssh, ssh-keygen) for real-peer tests. */
public final class Tools {
  private Tools() {}

  /** True when running in CI, where real-peer tests must run rather than skip. */
  public static boolean inCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** The absolute path of {@code name} on PATH (or /usr/sbin for sshd), if present. */
  public static Optional<String> find(String name) {
    String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin:/usr/bin:/sbin";
    for (String dir : path.split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (f.isFile() && f.canExecute()) {
        return Optional.of(f.getAbsolutePath());
      }
    }
    return Optional.empty();
  }

  /**
   * Returns the tool's path. When it is missing: fails under {@code CI=true}, otherwise skips the
   * test (assumption failure).
   */
  public static String requireTool(String name) {
    Optional<String> p = find(name);
    if (p.isPresent()) {
      return p.get();
    }
    if (inCi()) {
      throw new AssertionError(name + " is required under CI=true but is not installed");
    }
    Assumptions.assumeTrue(false, name + " not installed; skipping (set CI=true to make this fatal)");
    return null;
  }
}
