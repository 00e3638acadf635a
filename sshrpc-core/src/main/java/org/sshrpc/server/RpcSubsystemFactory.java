package org.sshrpc.server;

import java.util.List;
import java.util.Objects;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.subsystem.SubsystemFactory;

/**
 * A MINA SSHD subsystem factory serving an {@link RpcService} under one subsystem name, for
 * applications that run their own {@code SshServer}:
 *
 * <pre>{@code
 * sshd.setSubsystemFactories(RpcSubsystemFactory.both(service));
 * }</pre>
 *
 * <p>The channel's user and key come from the session (see {@link
 * org.sshrpc.auth.SessionIdentity}); the SSH window is released only for input the session has
 * accepted, so a client cannot make the server buffer more than one window.
 */
public final class RpcSubsystemFactory implements SubsystemFactory {
  /** The subsystem name of the 2010 prototype. */
  public static final String NAME = org.sshrpc.wire.Protocol.SUBSYSTEM;

  /** The short alias. */
  public static final String ALIAS = org.sshrpc.wire.Protocol.SUBSYSTEM_ALIAS;

  private final RpcService service;
  private final String name;

  public RpcSubsystemFactory(RpcService service, String name) {
    this.service = Objects.requireNonNull(service, "service");
    this.name = Objects.requireNonNull(name, "name");
  }

  /** Factories for both {@link #NAME} and {@link #ALIAS}. */
  public static List<RpcSubsystemFactory> both(RpcService service) {
    return List.of(new RpcSubsystemFactory(service, NAME), new RpcSubsystemFactory(service, ALIAS));
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public Command createSubsystem(ChannelSession channel) {
    return new RpcSubsystem(service);
  }
}
