package org.sshrpc.server;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlTuple;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermMapper;
import org.sshrpc.term.TermMappingException;
import org.sshrpc.term.Terms;

/**
 * An Erlang-named module of Java functions (and process starters) that sshrpc clients may call:
 * the only things a server makes callable. Immutable; build with {@link #builder(String)} or
 * {@link #fromAnnotated(Object)}.
 *
 * <pre>{@code
 * RpcModule m = RpcModule.builder("inventory")
 *     .function("count", 1, (ctx, args) -> Terms.integer(stock.count(args.get(0))))
 *     .build();
 * }</pre>
 */
public final class RpcModule {
  private final String name;
  private final Map<Key, Entry> entries;

  private RpcModule(String name, Map<Key, Entry> entries) {
    this.name = name;
    this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
  }

  /** Starts a module called {@code name} (a valid atom). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * A module from an object whose class is annotated {@link ErlModule}: each public method
   * declared by the class (not by {@code Object}) becomes a function named after the method, with
   * its arity the number of its parameters, not counting an optional leading {@link CallContext}.
   * Parameters and the return value are mapped with {@link TermMapper} ({@code long}, {@code
   * double}, {@code boolean}, {@code String}, {@code byte[]}, {@code List}, {@code Map}, enums,
   * {@link Term} unchanged); a {@code void} method replies {@code ok}. An argument that does not
   * fit its parameter's type fails the call with {@code badarg}.
   *
   * <p>The methods are found once, here, from the operator's object; nothing sent by a client is
   * ever turned into a class or method name.
   *
   * @throws IllegalArgumentException if the class is not annotated, a method has a type with no
   *     mapping, or two methods share a name and arity; the message names the method
   */
  public static RpcModule fromAnnotated(Object target) {
    Objects.requireNonNull(target, "target");
    Class<?> type = target.getClass();
    ErlModule ann = type.getAnnotation(ErlModule.class);
    if (ann == null) {
      throw new IllegalArgumentException(type.getName() + " is not annotated @ErlModule");
    }
    Builder b = builder(ann.value());
    for (Method m : type.getMethods()) {
      if (m.getDeclaringClass() == Object.class || Modifier.isStatic(m.getModifiers()) || m.isSynthetic()) {
        continue;
      }
      Class<?>[] params = m.getParameterTypes();
      Type[] generic = m.getGenericParameterTypes();
      int first = params.length > 0 && params[0] == CallContext.class ? 1 : 0;
      for (int i = first; i < params.length; i++) {
        try {
          TermMapper.checkSupported(generic[i]);
        } catch (TermMappingException e) {
          throw new IllegalArgumentException(
              type.getName() + "." + m.getName() + ": parameter " + (i + 1) + ": " + e.getMessage(), e);
        }
      }
      if (m.getReturnType() != void.class) {
        try {
          TermMapper.checkSupported(m.getGenericReturnType());
        } catch (TermMappingException e) {
          throw new IllegalArgumentException(type.getName() + "." + m.getName() + ": return type: " + e.getMessage(), e);
        }
      }
      int arity = params.length - first;
      if (b.entries.containsKey(new Key(m.getName(), arity))) {
        throw new IllegalArgumentException(
            type.getName() + "." + m.getName() + "/" + arity + " is overloaded; an exported name/arity must be unique");
      }
      m.setAccessible(true); // public method of a possibly non-public class
      b.function(m.getName(), arity, reflective(target, m, first == 1, generic, paramNames(m, first)));
    }
    return b.build();
  }

  /**
   * The names of {@code m}'s parameters after the first {@code first} as atoms, or {@code
   * undefined} where the class was compiled without {@code -parameters}.
   */
  private static Term[] paramNames(Method m, int first) {
    java.lang.reflect.Parameter[] ps = m.getParameters();
    Term[] names = new Term[ps.length - first];
    for (int i = first; i < ps.length; i++) {
      names[i - first] = ps[i].isNamePresent() ? ErlAtom.of(ps[i].getName()) : UNDEFINED;
    }
    return names;
  }

  private static final ErlAtom UNDEFINED = ErlAtom.of("undefined");
  private static final ErlAtom BADARG = ErlAtom.of("badarg");
  private static final ErlAtom PARAM = ErlAtom.of("param");

  /**
   * The reason of an annotated function called with an argument its parameter type cannot take:
   * {@code {badarg, {param, N, Name, Expected}}}, {@code N} counting the call's arguments from 1,
   * {@code Name} the parameter's name (an atom) or {@code undefined}, {@code Expected} the
   * parameter's Java type as a UTF-8 binary (docs/protocol.md).
   */
  static Term badarg(int index, Term name, Type expected) {
    return ErlTuple.of(
        BADARG, ErlTuple.of(PARAM, Terms.integer(index + 1L), name, ErlBinary.utf8(expected.getTypeName())));
  }

  private static RpcFunction reflective(
      Object target, Method m, boolean wantsContext, Type[] params, Term[] names) {
    return (ctx, args) -> {
      Object[] actual = new Object[params.length];
      int off = wantsContext ? 1 : 0;
      if (wantsContext) {
        actual[0] = ctx;
      }
      for (int i = 0; i < args.size(); i++) {
        try {
          actual[i + off] = TermMapper.fromTerm(args.get(i), params[i + off]);
        } catch (TermMappingException e) {
          // Which parameter and what it takes, never the argument itself (it may be large) nor
          // the mapping message (it quotes the argument).
          throw new ErlangException(badarg(i, names[i], params[i + off]));
        }
      }
      Object r;
      try {
        r = m.invoke(target, actual);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception) {
          throw (Exception) cause;
        }
        if (cause instanceof Error) {
          throw (Error) cause;
        }
        throw e;
      }
      if (m.getReturnType() == void.class) {
        return ErlAtom.OK;
      }
      if (r == null) {
        throw new NullPointerException(m.getName() + " returned null");
      }
      return TermMapper.toTerm(r);
    };
  }

  /** The module name callers use. */
  public String name() {
    return name;
  }

  /** The exported functions and process starters as {@code {Module, Function, Arity}} tuples, in declaration order. */
  public List<ErlTuple> exports() {
    List<ErlTuple> out = new ArrayList<>();
    ErlAtom m = ErlAtom.of(name);
    for (Key k : entries.keySet()) {
      out.add(ErlTuple.of(m, ErlAtom.of(k.function), Terms.integer(k.arity)));
    }
    return out;
  }

  /** The entry for {@code function/arity}, or null. */
  Entry find(String function, int arity) {
    return entries.get(new Key(function, arity));
  }

  Map<Key, Entry> entries() {
    return entries;
  }

  @Override
  public String toString() {
    return "RpcModule(" + name + ", " + entries.keySet() + ")";
  }

  record Key(String function, int arity) {
    @Override
    public String toString() {
      return function + "/" + arity;
    }
  }

  /**
   * Above this many element-steps a built-in's call runs on the workers, not on the I/O thread:
   * a few thousand steps are microseconds, less than the two thread hand-offs a worker costs, and
   * small enough that no client can hold an I/O thread (which serves many channels, outside any
   * call deadline) for longer.
   */
  static final long INLINE_MAX_STEPS = 4096;

  /**
   * An estimate of the work one call of a built-in does with given arguments, in element-steps
   * (one list element visited, one small integer added or compared; a big integer counts a step
   * per 64-bit word; a binary a step per 256 bytes). Includes encoding the result, which happens
   * on the same thread. It must itself be cheap: O(1), or a walk that stops once past {@link
   * #INLINE_MAX_STEPS}, never proportional to a large argument. It may return any value above
   * the budget (e.g. {@link Long#MAX_VALUE}) for "not cheap"; it does not check the arguments'
   * validity (a call that will fail at once is cheap).
   */
  @FunctionalInterface
  interface CostEstimator {
    long steps(List<Term> args);
  }

  /**
   * An exported name: a function, or a process starter (exactly one is non-null). An inline
   * candidate (a built-in with a {@link CostEstimator}) never blocks; it runs on the thread that
   * decoded the request, instead of paying two thread hand-offs, when {@link #runsInline} says its
   * work for these arguments is tiny; otherwise it runs on the workers like any function, under
   * the call's deadline. User functions never run inline.
   */
  record Entry(RpcFunction function, ProcessFactory process, CostEstimator inlineCost) {
    /** True if this is an inline candidate: whether a call runs inline depends on its arguments. */
    boolean inline() {
      return inlineCost != null;
    }

    /**
     * True if a call with {@code args} may run on the I/O thread: a function that is an inline
     * candidate and whose estimate for these arguments is at most {@link #INLINE_MAX_STEPS}. Cheap
     * (bounded by the budget, whatever the arguments' size). An estimator that throws (a bug)
     * sends the call to the workers, where the function reports its own errors.
     */
    boolean runsInline(List<Term> args) {
      if (function == null || inlineCost == null) {
        return false;
      }
      try {
        long steps = inlineCost.steps(args);
        return steps >= 0 && steps <= INLINE_MAX_STEPS;
      } catch (RuntimeException e) {
        return false;
      }
    }
  }

  /** A builder of {@link RpcModule}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private final Map<Key, Entry> entries = new LinkedHashMap<>();

    private Builder(String name) {
      ErlAtom.of(Objects.requireNonNull(name, "name")); // checks it is a valid atom
      if (name.isEmpty()) {
        throw new IllegalArgumentException("empty module name");
      }
      this.name = name;
    }

    /**
     * Exports {@code fn} as {@code name/arity}.
     *
     * @throws IllegalArgumentException if {@code name/arity} is already exported or arity is
     *     outside 0..255
     */
    public Builder function(String name, int arity, RpcFunction fn) {
      return add(name, arity, new Entry(Objects.requireNonNull(fn, "fn"), null, null));
    }

    /**
     * A built-in function that runs on the I/O thread when {@code cost} says a call is cheap
     * (see {@link Entry#runsInline}), on the workers otherwise.
     */
    Builder inlineFunction(String name, int arity, CostEstimator cost, RpcFunction fn) {
      return add(name, arity, new Entry(Objects.requireNonNull(fn, "fn"), null, Objects.requireNonNull(cost, "cost")));
    }

    /** Exports a process starter as {@code name/arity}, used by {@code spawn}. */
    public Builder process(String name, int arity, ProcessFactory factory) {
      return add(name, arity, new Entry(null, Objects.requireNonNull(factory, "factory"), null));
    }

    private Builder add(String fname, int arity, Entry e) {
      ErlAtom.of(Objects.requireNonNull(fname, "name"));
      if (arity < 0 || arity > 255) {
        throw new IllegalArgumentException("arity: " + arity + " (expected: 0..255)");
      }
      Key k = new Key(fname, arity);
      if (entries.putIfAbsent(k, e) != null) {
        throw new IllegalArgumentException(name + ":" + k + " is already exported");
      }
      return this;
    }

    public RpcModule build() {
      return new RpcModule(name, entries);
    }
  }
}
