package org.sshrpc.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * OpenSSH address matching: {@code from="pattern-list"} of authorized_keys (wildcards {@code *} and
 * {@code ?}, {@code !} negation, CIDR blocks) and a certificate's {@code source-address} (CIDR list).
 * Only addresses are matched, never reverse-DNS names, as with OpenSSH's default {@code UseDNS no}.
 */
final class AddressPatterns {
  private AddressPatterns() {}

  /** True when {@code addr} matches the pattern list and no negated pattern. */
  static boolean matchesFrom(String patternList, InetAddress addr) {
    boolean matched = false;
    for (String raw : patternList.split(",")) {
      String p = raw.trim();
      if (p.isEmpty()) {
        continue;
      }
      boolean negated = p.startsWith("!");
      if (negated) {
        p = p.substring(1);
      }
      if (matchesOne(p, addr)) {
        if (negated) {
          return false;
        }
        matched = true;
      }
    }
    return matched;
  }

  /** True when {@code addr} lies in one of the comma-separated CIDR blocks or addresses. */
  static boolean matchesCidrList(String list, InetAddress addr) {
    for (String raw : list.split(",")) {
      String p = raw.trim();
      if (!p.isEmpty() && inCidr(p, addr)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matchesOne(String pattern, InetAddress addr) {
    if (pattern.indexOf('/') >= 0) {
      return inCidr(pattern, addr);
    }
    String text = addr.getHostAddress();
    if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0) {
      // A literal address: compare as addresses so "::1" equals "0:0:0:0:0:0:0:1".
      InetAddress literal = literal(pattern);
      return literal != null ? literal.equals(addr) : pattern.equalsIgnoreCase(text);
    }
    StringBuilder re = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      if (c == '*') {
        re.append(".*");
      } else if (c == '?') {
        re.append('.');
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE).matcher(text).matches();
  }

  private static boolean inCidr(String cidr, InetAddress addr) {
    int slash = cidr.indexOf('/');
    InetAddress net = literal(slash < 0 ? cidr : cidr.substring(0, slash));
    if (net == null) {
      return false;
    }
    byte[] a = addr.getAddress();
    byte[] n = net.getAddress();
    if (a.length != n.length) {
      return false;
    }
    int bits;
    try {
      bits = slash < 0 ? a.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      return false;
    }
    if (bits < 0 || bits > a.length * 8) {
      return false;
    }
    for (int i = 0; i < bits; i++) {
      int mask = 0x80 >>> (i % 8);
      if ((a[i / 8] & mask) != (n[i / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  /** Parses an IP literal without any name lookup; null when {@code s} is not one. */
  private static InetAddress literal(String s) {
    // Never a name lookup: IPv4 octets are parsed here; a string with a colon is always parsed by
    // getByName as an IPv6 literal (an invalid one throws, it is not looked up).
    try {
      if (s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
        String[] parts = s.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
          int v = Integer.parseInt(parts[i]);
          if (v > 255) {
            return null;
          }
          b[i] = (byte) v;
        }
        return InetAddress.getByAddress(b);
      }
      if (s.indexOf(':') >= 0 && s.matches("[0-9a-fA-F:.]+")) {
        return InetAddress.getByName(s);
      }
    } catch (UnknownHostException e) {
      return null;
    }
    return null;
  }
}
