package org.sshrpc.server;

import java.io.IOException;
import java.util.Set;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * A session channel that grants only the sshrpc subsystems: shell, exec, pty, X11 and agent
 * forwarding are refused ({@code env} is tolerated, as OpenSSH sends it before the subsystem).
 */
final class RpcChannelSession extends ChannelSession {
  static final Set<String> SUBSYSTEMS = Set.of(RpcSubsystemFactory.NAME, RpcSubsystemFactory.ALIAS);

  /** The only channel type the server opens. */
  static final ChannelFactory FACTORY =
      new ChannelFactory() {
        @Override
        public String getName() {
          return "session";
        }

        @Override
        public Channel createChannel(Session session) {
          return new RpcChannelSession();
        }
      };

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
