package org.sshrpc.auth;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Parses OpenSSH's {@code expiry-time="YYYYMMDD[HHMM[SS]]"} option (local time; trailing Z = UTC). */
final class ExpiryTime {
  private ExpiryTime() {}

  static Instant parse(String value) {
    String v = value.trim();
    ZoneId zone = ZoneId.systemDefault();
    if (v.endsWith("Z") || v.endsWith("z")) {
      zone = ZoneId.of("UTC");
      v = v.substring(0, v.length() - 1);
    }
    if (!v.matches("\\d{8}(\\d{4}(\\d{2})?)?")) {
      throw new IllegalArgumentException("bad expiry-time: " + value);
    }
    while (v.length() < 14) {
      v = v + "0";
    }
    try {
      return LocalDateTime.parse(v, DateTimeFormatter.ofPattern("uuuuMMddHHmmss")).atZone(zone).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("bad expiry-time: " + value, e);
    }
  }
}
