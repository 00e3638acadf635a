package org.sshrpc.client;

import java.io.Console;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the passphrase of an encrypted identity comes from: a callback, an environment variable
 * or the console. Asked only for encrypted keys, once per key file.
 */
@FunctionalInterface
public interface PassphraseSource {
  /** The default environment variable read by {@link #environment()}. */
  String DEFAULT_ENV = "SSHRPC_PASSPHRASE";

  /**
   * Returns the passphrase for {@code identity}, or null when none is available. The caller wipes
   * the returned array after use.
   */
  char[] passphrase(Path identity);

  /** No passphrase: encrypted identities fail to load. */
  static PassphraseSource none() {
    return identity -> null;
  }

  /** A fixed passphrase (copied). */
  static PassphraseSource of(char[] passphrase) {
    char[] copy = passphrase.clone();
    return identity -> copy.clone();
  }

  /** The value of {@value #DEFAULT_ENV}. */
  static PassphraseSource environment() {
    return environment(DEFAULT_ENV);
  }

  /** The value of environment variable {@code name}, or none if it is unset. */
  static PassphraseSource environment(String name) {
    Objects.requireNonNull(name, "name");
    return identity -> {
      String v = System.getenv(name);
      return v == null ? null : v.toCharArray();
    };
  }

  /** Prompts on the console (no echo); none when there is no console. */
  static PassphraseSource console() {
    return identity -> {
      Console c = System.console();
      return c == null ? null : c.readPassword("Enter passphrase for %s: ", identity);
    };
  }

  /** This source, or {@code other} when this one has no passphrase. */
  default PassphraseSource orElse(PassphraseSource other) {
    Objects.requireNonNull(other, "other");
    return identity -> {
      char[] p = passphrase(identity);
      return p != null ? p : other.passphrase(identity);
    };
  }
}
