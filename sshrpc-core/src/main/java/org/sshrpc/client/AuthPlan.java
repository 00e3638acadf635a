package org.sshrpc.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.agent.SshAgentFactory;
import org.apache.sshd.agent.SshAgentServer;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.session.Session;
import org.sshrpc.auth.Identities;

/**
 * The keys one connection offers, in the order {@code ssh} offers them: the ssh-agent's keys that
 * match an identity file first, then the agent's other keys (none with {@code IdentitiesOnly}),
 * then certificates ({@code FILE-cert.pub} beside a key, {@code CertificateFile}) and key files
 * the agent does not hold. A key file whose {@code .pub} the agent holds is never decrypted (no
 * passphrase prompt), as with {@code ssh}.
 *
 * <p>MINA SSHD asks its {@link SshAgentFactory} for the agent of each session; {@link #FACTORY}
 * answers with the plan's agent view, found in the session's connection context.
 */
final class AuthPlan {
  /** The plan of a session, in its connection context. */
  static final AttributeRepository.AttributeKey<AuthPlan> KEY = new AttributeRepository.AttributeKey<>();

  final Path agentSocket; // null: no agent
  final List<Map.Entry<PublicKey, String>> agentKeys;
  final List<KeyPair> fileKeys;
  /** What is offered, for "tried: ..." when every key is refused. */
  final List<String> offered;

  private AuthPlan(Path agentSocket, List<Map.Entry<PublicKey, String>> agentKeys, List<KeyPair> fileKeys, List<String> offered) {
    this.agentSocket = agentSocket;
    this.agentKeys = List.copyOf(agentKeys);
    this.fileKeys = List.copyOf(fileKeys);
    this.offered = List.copyOf(offered);
  }

  boolean isEmpty() {
    return agentKeys.isEmpty() && fileKeys.isEmpty();
  }

  /** An identity file and whether a missing file is an error (given explicitly) or skipped. */
  record IdentityFile(Path path, boolean required) {}

  /**
   * Builds the plan.
   *
   * @param files identity files in order
   * @param certificateFiles CertificateFile entries
   * @param agentSocket the agent's socket, or null
   * @param identitiesOnly offer only agent keys that match an identity file or certificate
   * @param explicitKeys in-memory keys given to the builder, offered after the files
   * @param loader loads (and caches) a private key file, asking its passphrase
   */
  static AuthPlan build(
      List<IdentityFile> files,
      List<Path> certificateFiles,
      Path agentSocket,
      boolean identitiesOnly,
      List<KeyPair> explicitKeys,
      KeyLoader loader)
      throws IOException {
    List<Map.Entry<PublicKey, String>> agent = List.of();
    if (agentSocket != null) {
      try (UnixSocketAgent a = new UnixSocketAgent(agentSocket)) {
        agent = a.listKeys();
      } catch (IOException | RuntimeException e) {
        // As ssh: an agent that is not there is no agent (its keys are simply not offered).
        agentSocket = null;
      }
    }
    List<String> plainOffered = new ArrayList<>();
    List<String> certOffered = new ArrayList<>();
    List<KeyPair> certKeys = new ArrayList<>();
    List<KeyPair> plainKeys = new ArrayList<>();
    List<PublicKey> wanted = new ArrayList<>(); // public keys named by files: agent keys matching these come first
    List<String> wantedNames = new ArrayList<>();
    List<KeyPair> loaded = new ArrayList<>();

    List<Path> certs = new ArrayList<>();
    for (IdentityFile f : files) {
      Path cert = f.path().resolveSibling(f.path().getFileName() + "-cert.pub");
      if (Files.isRegularFile(cert) && !certs.contains(cert)) {
        certs.add(cert);
      }
    }
    for (Path c : certificateFiles) {
      if (Files.isRegularFile(c) && !certs.contains(c)) {
        certs.add(c);
      }
    }

    for (IdentityFile f : files) {
      PublicKey pub = readPublicKey(f.path().resolveSibling(f.path().getFileName() + ".pub"));
      if (pub != null) {
        wanted.add(pub);
        wantedNames.add(f.path().toString());
        if (indexOf(agent, pub) >= 0) {
          continue; // the agent signs: the private file is not read
        }
      }
      List<KeyPair> kps;
      try {
        kps = loader.load(f.path());
      } catch (NoSuchFileException e) {
        if (f.required()) {
          throw e;
        }
        continue; // a default or configured key file that does not exist, as ssh skips it
      }
      for (KeyPair kp : kps) {
        loaded.add(kp);
        if (pub == null) {
          wanted.add(kp.getPublic());
          wantedNames.add(f.path().toString());
        }
        if (indexOf(agent, kp.getPublic()) >= 0) {
          continue; // offered through the agent, in the files' order
        }
        plainKeys.add(kp);
        plainOffered.add(f.path() + " " + KeyUtils.getFingerPrint(kp.getPublic()));
      }
    }
    for (Path c : certs) {
      PublicKey k = readPublicKey(c);
      if (!(k instanceof OpenSshCertificate)) {
        continue;
      }
      OpenSshCertificate cert = (OpenSshCertificate) k;
      wanted.add(cert);
      wantedNames.add(c.toString());
      if (indexOf(agent, cert) >= 0) {
        continue; // the agent holds the certificate itself
      }
      for (KeyPair kp : loaded) {
        if (KeyUtils.compareKeys(kp.getPublic(), cert.getCertPubKey())) {
          certKeys.add(new KeyPair(cert, kp.getPrivate()));
          certOffered.add(c + " " + KeyUtils.getFingerPrint(cert));
          break;
        }
      }
    }
    // Agent keys named by a file first, in the files' order; then the rest unless IdentitiesOnly.
    List<Map.Entry<PublicKey, String>> agentOrder = new ArrayList<>();
    List<String> agentOffered = new ArrayList<>();
    for (int i = 0; i < wanted.size(); i++) {
      int at = indexOf(agent, wanted.get(i));
      if (at >= 0 && !agentOrder.contains(agent.get(at))) {
        agentOrder.add(agent.get(at));
        agentOffered.add(wantedNames.get(i) + " " + KeyUtils.getFingerPrint(wanted.get(i)) + " (agent)");
      }
    }
    if (!identitiesOnly) {
      for (Map.Entry<PublicKey, String> e : agent) {
        if (!agentOrder.contains(e)) {
          agentOrder.add(e);
          String comment = e.getValue().isBlank() ? "agent key" : e.getValue();
          agentOffered.add(comment + " " + KeyUtils.getFingerPrint(e.getKey()) + " (agent)");
        }
      }
    }
    List<KeyPair> fileKeys = new ArrayList<>(certKeys);
    fileKeys.addAll(plainKeys);
    for (KeyPair kp : explicitKeys) {
      fileKeys.add(kp);
      plainOffered.add("key " + KeyUtils.getFingerPrint(kp.getPublic()));
    }
    // MINA offers the agent's keys first, then the session's: certificates, then plain keys.
    List<String> all = new ArrayList<>(agentOffered);
    all.addAll(certOffered);
    all.addAll(plainOffered);
    return new AuthPlan(agentOrder.isEmpty() ? null : agentSocket, agentOrder, fileKeys, all);
  }

  private static int indexOf(List<Map.Entry<PublicKey, String>> agent, PublicKey key) {
    for (int i = 0; i < agent.size(); i++) {
      if (KeyUtils.compareKeys(agent.get(i).getKey(), key)) {
        return i;
      }
    }
    return -1;
  }

  /** The key in an OpenSSH public key (or certificate) file, or null when absent or unreadable. */
  static PublicKey readPublicKey(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      for (String line : Files.readAllLines(file)) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        return PublicKeyEntry.parsePublicKeyEntry(l).resolvePublicKey(null, null, null);
      }
    } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
      // not a public key file: treated as absent, as ssh does
    }
    return null;
  }

  /** Loads a private key file (cached by the client: each passphrase is asked once). */
  @FunctionalInterface
  interface KeyLoader {
    List<KeyPair> load(Path file) throws IOException;

    static KeyLoader of(Function<Path, char[]> passphrases) {
      return file -> Identities.load(file, passphrases);
    }
  }

  /**
   * MINA's agent factory for our sessions: the agent of a session is its plan's (the keys the
   * plan chose, signing through the agent's socket), or none.
   */
  static final SshAgentFactory FACTORY =
      new SshAgentFactory() {
        @Override
        public List<ChannelFactory> getChannelForwardingFactories(FactoryManager manager) {
          return List.of(); // no agent forwarding
        }

        @Override
        public SshAgent createClient(Session session, FactoryManager manager) {
          if (!(session instanceof ClientSession)) {
            return null;
          }
          AttributeRepository ctx = ((ClientSession) session).getConnectionContext();
          AuthPlan plan = ctx == null ? null : ctx.getAttribute(KEY);
          if (plan == null || plan.agentSocket == null) {
            return null;
          }
          List<Map.Entry<PublicKey, String>> keys = plan.agentKeys;
          return new UnixSocketAgent(plan.agentSocket) {
            @Override
            public Iterable<? extends Map.Entry<PublicKey, String>> getIdentities() {
              return keys;
            }
          };
        }

        @Override
        public SshAgentServer createServer(org.apache.sshd.common.session.ConnectionService service) throws IOException {
          throw new IOException("agent forwarding is not supported");
        }
      };
}
