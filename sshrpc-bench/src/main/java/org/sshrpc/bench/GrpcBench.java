package org.sshrpc.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The gRPC-java peer: a service equivalent to ours ({@code Seq(from,to)} returning the integers,
 * {@code Echo(bytes)}) over TLS 1.3 with a self-signed certificate made at start. No protoc: the
 * method descriptors use hand-written marshallers of a compact binary encoding (varints for the
 * integers, raw bytes for echo), about as small on the wire as protobuf would be.
 */
final class GrpcBench {
  private static final int MAX_MESSAGE = 64 << 20;

  static final MethodDescriptor<int[], int[]> SEQ = MethodDescriptor.<int[], int[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("sshrpc.bench.Bench/Seq")
      .setRequestMarshaller(new IntsMarshaller())
      .setResponseMarshaller(new IntsMarshaller())
      .build();

  static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("sshrpc.bench.Bench/Echo")
      .setRequestMarshaller(new BytesMarshaller())
      .setResponseMarshaller(new BytesMarshaller())
      .build();

  private GrpcBench() {}

  static ServerServiceDefinition service() {
    return ServerServiceDefinition.builder("sshrpc.bench.Bench")
        .addMethod(SEQ, ServerCalls.asyncUnaryCall((req, obs) -> {
          int from = req[0];
          int to = req[1];
          int[] r = new int[Math.max(0, to - from + 1)];
          for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
          }
          obs.onNext(r);
          obs.onCompleted();
        }))
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, obs) -> {
          obs.onNext(req);
          obs.onCompleted();
        }))
        .build();
  }

  static Server server(InetSocketAddress addr, Path cert, Path key) throws IOException {
    SslContext ssl = GrpcSslContexts.forServer(cert.toFile(), key.toFile()).protocols("TLSv1.3").build();
    return NettyServerBuilder.forAddress(addr).sslContext(ssl).maxInboundMessageSize(MAX_MESSAGE)
        .addService(service()).build().start();
  }

  /** Writes a self-signed EC certificate for localhost/127.0.0.1 and its PKCS#8 key as PEM. */
  static void selfSigned(Path certPem, Path keyPem) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair kp = g.generateKeyPair();
    X500Name name = new X500Name("CN=localhost");
    long now = System.currentTimeMillis();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now),
        new Date(now - 3_600_000L), new Date(now + 86_400_000L), name, kp.getPublic());
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    X509Certificate cert = new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(keyPem, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** The client side: one channel (one TLS connection) per {@link Conn}. */
  static final class GrpcConn implements Conn {
    private static final int[] SEQ_ARGS = {1, 100};
    private final ManagedChannel channel;

    private GrpcConn(ManagedChannel channel) {
      this.channel = channel;
    }

    /** Connects and waits until the TLS handshake and HTTP/2 setup are done (READY). */
    static GrpcConn open(int port, SslContext ssl) throws Exception {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).overrideAuthority("localhost")
          .sslContext(ssl).maxInboundMessageSize(MAX_MESSAGE).build();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      ConnectivityState s;
      while ((s = ch.getState(true)) != ConnectivityState.READY) {
        if (s == ConnectivityState.TRANSIENT_FAILURE || System.nanoTime() > deadline) {
          ch.shutdownNow();
          throw new IOException("gRPC channel did not become READY (state " + s + ")");
        }
        CountDownLatch changed = new CountDownLatch(1);
        ch.notifyWhenStateChanged(s, changed::countDown);
        changed.await(1, TimeUnit.SECONDS);
      }
      return new GrpcConn(ch);
    }

    static SslContext clientSsl(Path cert) throws IOException {
      return GrpcSslContexts.forClient().trustManager(cert.toFile()).protocols("TLSv1.3").build();
    }

    @Override
    public CompletableFuture<?> seqAsync() {
      return toCompletable(ClientCalls.futureUnaryCall(channel.newCall(SEQ, CallOptions.DEFAULT), SEQ_ARGS))
          .thenApply(r -> {
            if (r.length != 100) {
              throw new IllegalStateException("seq returned " + r.length + " integers (expected: 100)");
            }
            return r;
          });
    }

    @Override
    public CompletableFuture<?> echoAsync(byte[] payload) {
      return toCompletable(ClientCalls.futureUnaryCall(channel.newCall(ECHO, CallOptions.DEFAULT), payload));
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    private static <T> CompletableFuture<T> toCompletable(ListenableFuture<T> lf) {
      CompletableFuture<T> cf = new CompletableFuture<>();
      Futures.addCallback(lf, new FutureCallback<T>() {
        @Override
        public void onSuccess(T result) {
          cf.complete(result);
        }

        @Override
        public void onFailure(Throwable t) {
          cf.completeExceptionally(t);
        }
      }, MoreExecutors.directExecutor());
      return cf;
    }
  }

  /** int[] as a varint count followed by zig-zag varints. */
  static final class IntsMarshaller implements MethodDescriptor.Marshaller<int[]> {
    @Override
    public InputStream stream(int[] v) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(5 + v.length * 2);
      varint(out, v.length);
      for (int x : v) {
        varint(out, (x << 1) ^ (x >> 31));
      }
      return new ByteArrayInputStream(out.toByteArray());
    }

    @Override
    public int[] parse(InputStream stream) {
      try {
        byte[] b = stream.readAllBytes();
        int[] pos = {0};
        int n = readVarint(b, pos);
        if (n < 0 || n > b.length) {
          throw new IllegalArgumentException("int count " + n + " exceeds message size " + b.length);
        }
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
          int z = readVarint(b, pos);
          r[i] = (z >>> 1) ^ -(z & 1);
        }
        return r;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static void varint(ByteArrayOutputStream out, int v) {
      while ((v & ~0x7f) != 0) {
        out.write((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      out.write(v);
    }

    private static int readVarint(byte[] b, int[] pos) {
      int v = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        if (pos[0] >= b.length) {
          throw new IllegalArgumentException("truncated varint at offset " + pos[0]);
        }
        int x = b[pos[0]++];
        v |= (x & 0x7f) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("varint longer than 5 bytes at offset " + pos[0]);
    }
  }

  /** byte[] as itself. */
  static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] v) {
      return new ByteArrayInputStream(v);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
