package org.sshrpc.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's budget for the memory clients make it hold: buffered input (partial and held frames),
 * decoded requests being processed, and queued replies and deliveries. Three nested levels, each
 * with its own cap: the whole node, each SSH user, each SSH connection. Each channel charges an
 * {@link Account}; a charge must fit every level above it.
 *
 * <p>Two kinds of charge. {@link Account#tryCharge} is for anything large (a frame, a decoded
 * request, a reply over {@link #SMALL} bytes): it succeeds only when every level has room, so a
 * client over budget gets a clear refusal for its own request, and nothing of anyone else's
 * fails. {@link Account#force} is for small items that must go through (short error replies,
 * requests of a few KiB): they are bounded by count elsewhere (calls in flight per channel,
 * channels per connection, connections per user), never refused here, and still counted, so the
 * large ones see them.
 *
 * <p>Thread-safe and lock-free: each level is an {@code AtomicLong}; a charge that does not fit a
 * level is rolled back from the levels below it.
 */
final class MemoryBudget {
  /** Charges at or below this size are never refused ({@link Account#force} is used for them). */
  static final int SMALL = 4096;

  private final long globalLimit;
  private final long userLimit;
  private final long connectionLimit;
  private final Level global;
  private final ConcurrentHashMap<String, Level> users = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Object, Level> connections = new ConcurrentHashMap<>();
  private final java.util.function.BooleanSupplier heapPressure;

  MemoryBudget(long globalLimit, long userLimit, long connectionLimit) {
    this(globalLimit, userLimit, connectionLimit, () -> false);
  }

  /**
   * @param heapPressure when true, every large charge is refused whatever the counters say (see
   *     {@link HeapPressure})
   */
  MemoryBudget(long globalLimit, long userLimit, long connectionLimit, java.util.function.BooleanSupplier heapPressure) {
    this.heapPressure = heapPressure;
    if (globalLimit <= 0 || userLimit <= 0 || connectionLimit <= 0) {
      throw new IllegalArgumentException(
          "memory budget: " + globalLimit + "/" + userLimit + "/" + connectionLimit + " (expected: > 0)");
    }
    this.globalLimit = globalLimit;
    this.userLimit = Math.min(userLimit, globalLimit);
    this.connectionLimit = Math.min(connectionLimit, this.userLimit);
    this.global = new Level("node", this.globalLimit);
  }

  /**
   * The default budget for a JVM whose maximum heap is {@code maxHeap}: 40 % of it for the node
   * (the rest is for what functions allocate, MINA's buffers, decoding in progress, G1's
   * humongous-region slack and GC headroom), 20 % per user, 10 % per connection.
   */
  static MemoryBudget forHeap(long maxHeap) {
    HeapPressure pressure = new HeapPressure();
    return new MemoryBudget(maxHeap / 10 * 4, maxHeap / 5, maxHeap / 10, pressure::underPressure);
  }

  long globalLimit() {
    return globalLimit;
  }

  long userLimit() {
    return userLimit;
  }

  long connectionLimit() {
    return connectionLimit;
  }

  /** Bytes charged on the whole node now. */
  long used() {
    return global.used.get();
  }

  /** Bytes charged for {@code user} now (0 when the user holds nothing). */
  long usedBy(String user) {
    Level l = users.get(user);
    return l == null ? 0 : l.used.get();
  }

  /** Users with an open account: stays bounded by the connections open. */
  int trackedUsers() {
    return users.size();
  }

  /**
   * Opens an account for one channel of {@code user} on {@code connection} (any object identifying
   * the SSH connection; channels of one connection share its level). Close it when the channel ends.
   */
  Account open(String user, Object connection) {
    Level u = users.compute(user, (k, l) -> {
      Level level = l == null ? new Level("user " + k, userLimit) : l;
      level.refs++;
      return level;
    });
    Level c = connections.compute(connection, (k, l) -> {
      Level level = l == null ? new Level("connection", connectionLimit) : l;
      level.refs++;
      return level;
    });
    return new Account(user, connection, u, c);
  }

  private void close(Account a) {
    users.computeIfPresent(a.userKey, (k, l) -> --l.refs == 0 ? null : l);
    connections.computeIfPresent(a.connectionKey, (k, l) -> --l.refs == 0 ? null : l);
  }

  /** One level's counter and cap. */
  private static final class Level {
    final String name;
    final long limit;
    final AtomicLong used = new AtomicLong();
    int refs; // guarded by the map's compute

    Level(String name, long limit) {
      this.name = name;
      this.limit = limit;
    }

    boolean tryAdd(long n) {
      while (true) {
        long u = used.get();
        if (u + n > limit) {
          return false;
        }
        if (used.compareAndSet(u, u + n)) {
          return true;
        }
      }
    }
  }

  /** What a charge was refused by, for the client's error and the log. */
  record Refusal(String level, long requested, long used, long limit) {
    @Override
    public String toString() {
      return level + " memory budget exhausted: " + requested + " bytes requested, " + used
          + " of " + limit + " in use";
    }
  }

  /** One channel's charges. Thread-safe. */
  final class Account {
    private final String userKey;
    private final Object connectionKey;
    private final Level user;
    private final Level connection;
    private final AtomicLong charged = new AtomicLong();
    private volatile boolean closed;
    private volatile Refusal lastRefusal;

    private Account(String userKey, Object connectionKey, Level user, Level connection) {
      this.userKey = userKey;
      this.connectionKey = connectionKey;
      this.user = user;
      this.connection = connection;
    }

    /**
     * Charges {@code n} bytes if every level has room; otherwise charges nothing and returns
     * false ({@link #lastRefusal()} says which level refused). Charges of at most {@link #SMALL}
     * bytes always succeed.
     */
    boolean tryCharge(long n) {
      if (n <= SMALL) {
        force(n);
        return true;
      }
      if (heapPressure.getAsBoolean()) {
        lastRefusal = new Refusal("heap (after GC over " + (int) (HeapPressure.THRESHOLD * 100) + "%)", n, global.used.get(), global.limit);
        return false;
      }
      if (!connection.tryAdd(n)) {
        lastRefusal = new Refusal("connection", n, connection.used.get(), connection.limit);
        return false;
      }
      if (!user.tryAdd(n)) {
        connection.used.addAndGet(-n);
        lastRefusal = new Refusal(user.name, n, user.used.get(), user.limit);
        return false;
      }
      if (!global.tryAdd(n)) {
        connection.used.addAndGet(-n);
        user.used.addAndGet(-n);
        lastRefusal = new Refusal(global.name, n, global.used.get(), global.limit);
        return false;
      }
      charged.addAndGet(n);
      return true;
    }

    /** Charges {@code n} bytes whatever the levels hold (bounded by count elsewhere). */
    void force(long n) {
      connection.used.addAndGet(n);
      user.used.addAndGet(n);
      global.used.addAndGet(n);
      charged.addAndGet(n);
    }

    /** Gives back {@code n} bytes charged earlier. */
    void release(long n) {
      if (n == 0) {
        return;
      }
      // After close() everything was given back at once; a late release must not count twice.
      while (true) {
        long c = charged.get();
        long take = Math.min(c, n);
        if (take <= 0) {
          return;
        }
        if (charged.compareAndSet(c, c - take)) {
          connection.used.addAndGet(-take);
          user.used.addAndGet(-take);
          global.used.addAndGet(-take);
          return;
        }
      }
    }

    /** Whether any level is at or over its cap (then the channel stops taking more input). */
    boolean exhausted() {
      return connection.used.get() >= connection.limit
          || user.used.get() >= user.limit
          || global.used.get() >= global.limit;
    }

    /** Bytes this account holds now. */
    long charged() {
      return charged.get();
    }

    Refusal lastRefusal() {
      return lastRefusal;
    }

    /** Gives back everything still charged and leaves the user's and connection's levels. Idempotent. */
    void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      release(charged.get());
      MemoryBudget.this.close(this);
    }
  }
}
