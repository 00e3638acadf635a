package org.sshrpc.server;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.ServerFactoryManager;
import org.apache.sshd.server.session.ServerSessionImpl;
import org.apache.sshd.server.session.SessionFactory;

/**
 * A MINA session factory whose sessions disconnect a peer that sends a connection-protocol message
 * (channel open, channel request, channel data, global request: message numbers 80 and up) before
 * it has authenticated, without looking at the message's contents. RFC 4252 §6 leaves such
 * messages to be ignored; Erlang/OTP's SSH honoured them (CVE-2025-32433), so we close the door
 * explicitly instead of relying on whichever service MINA happens to be running.
 */
final class PreAuthGuard extends SessionFactory {
  PreAuthGuard(ServerFactoryManager server) {
    super(server);
  }

  @Override
  protected ServerSessionImpl doCreateSession(IoSession ioSession) throws Exception {
    return new GuardedSession(getServer(), ioSession);
  }

  /** A server session refusing connection-protocol messages until authenticated. */
  static final class GuardedSession extends ServerSessionImpl {
    GuardedSession(ServerFactoryManager server, IoSession ioSession) throws Exception {
      super(server, ioSession);
    }

    @Override
    protected void doHandleMessage(Buffer buffer) throws Exception {
      int cmd = buffer.available() > 0 ? buffer.array()[buffer.rpos()] & 0xFF : -1;
      if (cmd >= SshConstants.SSH_MSG_GLOBAL_REQUEST && !isAuthenticated()) {
        String why = SshConstants.getCommandMessageName(cmd) + " before authentication";
        AuditLog.authFailed(getUsername(), null, getClientAddress(), null, "protocol violation: " + why);
        disconnect(SshConstants.SSH2_DISCONNECT_PROTOCOL_ERROR, why);
        return;
      }
      super.doHandleMessage(buffer);
    }
  }
}
