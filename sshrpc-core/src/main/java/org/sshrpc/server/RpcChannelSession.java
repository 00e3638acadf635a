package org.sshrpc.server;

import java.io.IOException;
import java.util.Set;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * A session channel that grants only the sshrpc subsystems: shell, exec, pty, X11 and agent
 * forwarding are refused. {@code env} requests (OpenSSH sends its {@code SendEnv} variables before
 * the subsystem request) are answered with failure and nothing is stored: sshrpc reads no
 * variable, and MINA would otherwise keep every one, without limit, for the channel's life.
 */
final class RpcChannelSession extends ChannelSession {
  static final Set<String> SUBSYSTEMS = Set.of(RpcSubsystemFactory.NAME, RpcSubsystemFactory.ALIAS);

  /** The only channel type the server opens, with no limit of its own on channels per connection. */
  static final ChannelFactory FACTORY = factory(Integer.MAX_VALUE);

  /** Channels per connection beyond which opening one fails with a resource-shortage reason. */
  private final int maxChannels;

  RpcChannelSession() {
    this(Integer.MAX_VALUE);
  }

  private RpcChannelSession(int maxChannels) {
    this.maxChannels = maxChannels;
  }

  /** The session channel factory, refusing channels past {@code maxChannels} per connection. */
  static ChannelFactory factory(int maxChannels) {
    return new ChannelFactory() {
      @Override
      public String getName() {
        return "session";
      }

      @Override
      public Channel createChannel(Session session) {
        return new RpcChannelSession(maxChannels);
      }
    };
  }

  @Override
  protected OpenFuture doInit(Buffer buffer) {
    // MINA registers the channel before opening it, so the count includes this one. MINA's own
    // MAX_CONCURRENT_CHANNELS check fails the whole connection; this refuses only the channel.
    ConnectionService svc = getSession().getService(ConnectionService.class);
    int open = svc instanceof AbstractConnectionService ? ((AbstractConnectionService) svc).getChannels().size() : 0;
    if (open > maxChannels) {
      String why = "too many channels on this connection: " + open + " (expected: <= " + maxChannels + ")";
      AuditLog.connectionRefused(getSession().getUsername(), getSession().getRemoteAddress(), why);
      OpenFuture f = new DefaultOpenFuture(this, this);
      try {
        f.setException(new SshChannelOpenException(getChannelId(), SshConstants.SSH_OPEN_RESOURCE_SHORTAGE, why));
      } finally {
        close(true); // unregisters it, as MINA's own refused forwarding channels do
      }
      return f;
    }
    return super.doInit(buffer);
  }

  @Override
  protected RequestHandler.Result handleEnv(Buffer buffer, boolean wantReply) {
    return RequestHandler.Result.ReplyFailure;
  }

  @Override
  protected RequestHandler.Result handlePtyReq(Buffer buffer, boolean wantReply) {
    return RequestHandler.Result.ReplyFailure;
  }

  @Override
  protected RequestHandler.Result handleShell(String request, Buffer buffer, boolean wantReply) {
    return RequestHandler.Result.ReplyFailure;
  }

  @Override
  protected RequestHandler.Result handleExec(String request, Buffer buffer, boolean wantReply) {
    return RequestHandler.Result.ReplyFailure;
  }

  @Override
  protected RequestHandler.Result handleX11Forwarding(String request, Buffer buffer, boolean wantReply) {
    return RequestHandler.Result.ReplyFailure;
  }

  @Override
  protected RequestHandler.Result handleAgentForwarding(String request, Buffer buffer, boolean wantReply) {
    return RequestHandler.Result.ReplyFailure;
  }

  @Override
  protected RequestHandler.Result handleSubsystemParsed(String request, String subsystem) throws IOException {
    if (!SUBSYSTEMS.contains(subsystem)) {
      return RequestHandler.Result.ReplyFailure;
    }
    return super.handleSubsystemParsed(request, subsystem);
  }
}
