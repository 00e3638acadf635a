package org.sshrpc.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Whether this CPU has AES instructions, which decides if AES-GCM or chacha20 is preferred. */
final class CpuFeatures {
  private static final boolean AES = detectAes();

  private CpuFeatures() {}

  static boolean hasAes() {
    return AES;
  }

  private static boolean detectAes() {
    String forced = System.getProperty("sshrpc.cpu.aes");
    if (forced != null) {
      return Boolean.parseBoolean(forced);
    }
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (Files.isReadable(cpuinfo)) {
      try {
        for (String line : Files.readAllLines(cpuinfo, StandardCharsets.ISO_8859_1)) {
          String l = line.toLowerCase(Locale.ROOT);
          // x86 lists "flags", ARM "Features"; both name AES support "aes".
          if (l.startsWith("flags") || l.startsWith("features")) {
            return (" " + l.substring(l.indexOf(':') + 1) + " ").contains(" aes ");
          }
        }
      } catch (IOException e) {
        // fall through to the architecture guess
      }
    }
    // No /proc (macOS, Windows): every x86-64 and Apple/ARMv8 CPU of the last decade has AES.
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64");
  }
}
