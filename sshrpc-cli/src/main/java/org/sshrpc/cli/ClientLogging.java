package org.sshrpc.cli;

/**
 * Logging of the connecting commands (call, cast, multicall, stats): silent by default, as {@code
 * ssh} is, so that a failure is the one line the command prints and nothing of the SSH library;
 * {@code -v} shows the library's log (info), {@code -vv} debug, {@code -vvv} trace.
 *
 * <p>slf4j-simple reads its configuration when the first logger is made, which for these commands
 * is when the SSH client is built: so this runs first, and system properties override the
 * packaged {@code simplelogger.properties} (written for {@code serve}).
 */
final class ClientLogging {
  private ClientLogging() {}

  static void configure(int verbosity) {
    String level =
        switch (Math.min(verbosity, 3)) {
          case 0 -> "off";
          case 1 -> "info";
          case 2 -> "debug";
          default -> "trace";
        };
    // Only where nobody chose otherwise (-Dorg.slf4j.simpleLogger... on the java command line).
    setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level);
    setIfAbsent("org.slf4j.simpleLogger.log.org.sshrpc", level);
    setIfAbsent("org.slf4j.simpleLogger.log.org.apache.sshd", level);
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
