package org.sshrpc.auth;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * Loader of client identities: OpenSSH-format private key files, optionally protected by a
 * passphrase.
 *
 * <p>Like OpenSSH, a key file readable or writable by group or others is refused: a private key
 * that others can read is no longer private. Errors are {@link IOException}s whose message names
 * the file and the cause (missing, unsafe permissions, encrypted without a passphrase, wrong
 * passphrase, unreadable format).
 */
public final class Identities {
  private Identities() {}

  /**
   * Loads the key pairs in an OpenSSH private key file.
   *
   * @param file the private key file (e.g. {@code ~/.ssh/id_ed25519})
   * @param passphrase asked for the file's passphrase only if the key is encrypted; may return
   *     null (no passphrase available); the returned array is wiped after use. May be null.
   * @throws IOException if the file is missing, has unsafe permissions, is encrypted and no
   *     passphrase was given, the passphrase is wrong, or the file is not a private key
   */
  public static List<KeyPair> load(Path file, Function<Path, char[]> passphrase)
      throws IOException {
    Objects.requireNonNull(file, "file");
    checkPermissions(file);
    boolean[] asked = new boolean[1];
    FilePasswordProvider provider =
        new FilePasswordProvider() {
          @Override
          public String getPassword(SessionContext s, NamedResource r, int retryIndex) {
            asked[0] = true;
            if (passphrase == null) {
              return null;
            }
            char[] p = passphrase.apply(file);
            if (p == null) {
              return null;
            }
            try {
              return new String(p);
            } finally {
              Arrays.fill(p, '\0');
            }
          }

          @Override
          public ResourceDecodeResult handleDecodeAttemptResult(
              SessionContext s, NamedResource r, int retryIndex, String password, Exception err) {
            return ResourceDecodeResult.TERMINATE; // one attempt: a wrong passphrase is an error
          }
        };
    List<KeyPair> keys = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      Iterable<KeyPair> loaded =
          SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()), in, provider);
      if (loaded != null) {
        loaded.forEach(keys::add);
      }
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null, "identity file not found");
    } catch (javax.security.auth.login.FailedLoginException e) {
      throw new IOException("identity " + file + " is encrypted and no passphrase was given", e);
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      if (asked[0]) {
        throw new IOException(
            "cannot decrypt identity " + file + ": wrong passphrase (" + e.getMessage() + ")", e);
      }
      throw new IOException("cannot read identity " + file + ": " + e.getMessage(), e);
    }
    if (keys.isEmpty()) {
      if (asked[0]) {
        throw new IOException("identity " + file + " is encrypted and no passphrase was given");
      }
      throw new IOException("no private key found in identity file " + file);
    }
    return List.copyOf(keys);
  }

  /**
   * Refuses a key file that group or others may access, as OpenSSH does.
   *
   * @throws IOException naming the file and its mode when it is unsafe, or when it is missing
   */
  public static void checkPermissions(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "identity file not found");
    }
    KeyFiles.checkPrivateKeyPermissions(file);
  }
}
