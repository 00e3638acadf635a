package org.sshrpc.server;

/**
 * The limits of the process layer, each reserved before what it counts is made (docs/limits.md,
 * "Processes"). Past one, the request is answered {@code overloaded}.
 *
 * @param processesPerChannel server processes one channel may own, counting those still starting
 * @param mailboxesPerChannel client mailboxes one channel may open
 * @param monitorsPerChannel monitors one channel may hold (given back as their {@code DOWN} goes)
 * @param pidsPerUser processes and mailboxes of one user across all their channels
 * @param namesPerUser registered names of one user's processes and mailboxes, public ones included
 */
record ProcessLimits(
    int processesPerChannel, int mailboxesPerChannel, int monitorsPerChannel, int pidsPerUser, int namesPerUser) {
  static final ProcessLimits DEFAULT = new ProcessLimits(1000, 1000, 10_000, 10_000, 1000);

  ProcessLimits {
    positive(processesPerChannel, "processesPerChannel");
    positive(mailboxesPerChannel, "mailboxesPerChannel");
    positive(monitorsPerChannel, "monitorsPerChannel");
    positive(pidsPerUser, "pidsPerUser");
    positive(namesPerUser, "namesPerUser");
  }

  private static void positive(int v, String what) {
    if (v < 1) {
      throw new IllegalArgumentException(what + ": " + v + " (expected: >= 1)");
    }
  }
}
