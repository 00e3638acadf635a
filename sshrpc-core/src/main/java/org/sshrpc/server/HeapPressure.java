package org.sshrpc.server;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the heap is under pressure: some heap pool with a known maximum (the old generation)
 * was more than {@link #THRESHOLD} full after its last collection. Then {@link MemoryBudget}
 * refuses every large charge, whatever its counters say: the counters are estimates of what
 * decoded terms take, and this is the JVM's own measure (as Envoy's overload manager acts on heap
 * use before the OOM, shedding new load first). Reading it costs a few field reads, no GC.
 */
final class HeapPressure {
  /** Fraction of a pool's maximum that, still used after a collection, means pressure. */
  static final double THRESHOLD = 0.85;

  private final List<MemoryPoolMXBean> pools = new ArrayList<>();

  HeapPressure() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported() && p.getUsage().getMax() > 0) {
        pools.add(p);
      }
    }
  }

  boolean underPressure() {
    for (MemoryPoolMXBean p : pools) {
      MemoryUsage u = p.getCollectionUsage();
      if (u != null && u.getMax() > 0 && u.getUsed() > THRESHOLD * u.getMax()) {
        return true;
      }
    }
    return false;
  }
}
