package org.sshrpc.term;

import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The mapping between plain Java values and Erlang terms used by typed client proxies and
 * annotated server modules.
 *
 * <table>
 *   <caption>Java type and term</caption>
 *   <tr><th>Java</th><th>term</th></tr>
 *   <tr><td>{@code long int short byte}, boxed, {@code BigInteger}</td><td>integer (range
 *       checked when read)</td></tr>
 *   <tr><td>{@code double float}, boxed</td><td>float (an integer is accepted when read if it
 *       converts exactly)</td></tr>
 *   <tr><td>{@code boolean}, {@code Boolean}</td><td>{@code true} / {@code false}</td></tr>
 *   <tr><td>{@code String}</td><td>UTF-8 binary (a list of code points is also read)</td></tr>
 *   <tr><td>{@code byte[]}</td><td>binary</td></tr>
 *   <tr><td>{@code List<E>} (any {@code Collection} when writing)</td><td>proper list</td></tr>
 *   <tr><td>{@code Map<K, V>}</td><td>map</td></tr>
 *   <tr><td>an enum</td><td>the atom of the constant's {@code name()}</td></tr>
 *   <tr><td>a record</td><td>a map from each component's name (an atom) to its value, e.g.
 *       {@code record Point(long x, long y)} is {@code #{x => 1, y => 2}}; read back, the map must
 *       have exactly those keys, except that an {@code Optional} component may be left out</td></tr>
 *   <tr><td>{@code Optional<T>}</td><td>the atom {@code undefined} when empty (Erlang's idiom),
 *       else the value's term; so reading {@code undefined} gives an empty {@code Optional} also
 *       for {@code Optional<ErlAtom>}</td></tr>
 *   <tr><td>{@link Term} and its kinds; {@code Object}</td><td>passed through
 *       unchanged</td></tr>
 * </table>
 *
 * <p>Reading uses only the Java types declared by the program (method signatures, record
 * components); a term never names a class. A record is made through its canonical constructor
 * (so its validation runs; what it throws is reported as a mapping failure), and its components
 * are read through their accessors, found once per record class. Anything else fails with a {@link TermMappingException} naming the type.
 */
public final class TermMapper {
  /** Nesting limit when writing Java values, so a self-containing list fails cleanly. */
  private static final int MAX_DEPTH = 1000;

  /** An empty {@code Optional}'s term. */
  private static final ErlAtom UNDEFINED = ErlAtom.of("undefined");

  /** Each record class's components, found once (bounded by the program's own record classes). */
  private static final ClassValue<RecordShape> RECORDS =
      new ClassValue<>() {
        @Override
        protected RecordShape computeValue(Class<?> type) {
          return new RecordShape(type);
        }
      };

  private TermMapper() {}

  /**
   * The term for {@code value}.
   *
   * @param value a value of a mapped type
   * @return its term
   * @throws TermMappingException if the value, or something inside it, has no mapping
   */
  public static Term toTerm(Object value) {
    return toTerm(value, 0);
  }

  private static Term toTerm(Object value, int depth) {
    if (depth > MAX_DEPTH) {
      throw new TermMappingException("value nested deeper than " + MAX_DEPTH + " levels");
    }
    if (value == null) {
      throw new TermMappingException("null has no term mapping");
    }
    if (value instanceof Term) {
      return (Term) value;
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ErlInteger.of(((Number) value).longValue());
    }
    if (value instanceof BigInteger) {
      return ErlInteger.of((BigInteger) value);
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        throw new TermMappingException("not a finite float: " + d + " (Erlang has no NaN or infinity)");
      }
      return ErlFloat.of(d);
    }
    if (value instanceof Boolean) {
      return ErlAtom.of((Boolean) value);
    }
    if (value instanceof String) {
      return ErlBinary.utf8((String) value);
    }
    if (value instanceof byte[]) {
      return ErlBinary.of((byte[]) value);
    }
    if (value instanceof Enum) {
      return ErlAtom.of(((Enum<?>) value).name());
    }
    if (value instanceof Optional) {
      Optional<?> o = (Optional<?>) value;
      return o.isPresent() ? toTerm(o.get(), depth + 1) : UNDEFINED;
    }
    if (value instanceof Record) {
      RecordShape shape = RECORDS.get(value.getClass());
      LinkedHashMap<Term, Term> m = new LinkedHashMap<>();
      for (int i = 0; i < shape.names.length; i++) {
        Object v = shape.get(value, i);
        if (v == null) {
          throw new TermMappingException(
              "null has no term mapping (component " + shape.names[i].name() + " of " + value.getClass().getName() + ")");
        }
        m.put(shape.names[i], toTerm(v, depth + 1));
      }
      return ErlMap.of(m);
    }
    if (value instanceof Collection) {
      Collection<?> c = (Collection<?>) value;
      Term[] elements = new Term[c.size()];
      int i = 0;
      for (Object o : c) {
        if (i == elements.length) {
          throw new TermMappingException("collection changed while being mapped");
        }
        elements[i++] = toTerm(o, depth + 1);
      }
      return ErlList.of(i == elements.length ? elements : java.util.Arrays.copyOf(elements, i));
    }
    if (value instanceof Map) {
      LinkedHashMap<Term, Term> m = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        m.put(toTerm(e.getKey(), depth + 1), toTerm(e.getValue(), depth + 1));
      }
      return ErlMap.of(m);
    }
    throw new TermMappingException("no term mapping for Java type " + value.getClass().getName());
  }

  /**
   * The Java value of type {@code type} for term {@code t}.
   *
   * @param <T> the type
   * @param t the term
   * @param type the type to read it as
   * @return the value
   * @throws TermMappingException if the term does not fit the type, or the type has no mapping
   */
  public static <T> T fromTerm(Term t, Class<T> type) {
    Object v = fromTerm(t, (Type) type);
    @SuppressWarnings("unchecked")
    T result = (T) (type.isPrimitive() ? v : type.cast(v));
    return result;
  }

  /**
   * The Java value of the (possibly generic) {@code type} for term {@code t}, e.g. {@code
   * List<Long>} or {@code Map<String, Long>} from a method signature.
   *
   * @param t the term
   * @param type the type to read it as
   * @return the value
   * @throws TermMappingException if the term does not fit the type, or the type has no mapping
   */
  public static Object fromTerm(Term t, Type type) {
    checkSupported(type);
    return read(t, type);
  }

  /**
   * Checks that {@code type} has a mapping, so a proxy or module can fail when it is built rather
   * than at the first call.
   *
   * @param type the type
   * @throws TermMappingException naming the first unsupported type
   */
  public static void checkSupported(Type type) {
    checkSupported(type, 0);
  }

  private static void checkSupported(Type type, int depth) {
    checkSupported(type, depth, new HashSet<>());
  }

  private static void checkSupported(Type type, int depth, Set<Class<?>> records) {
    if (depth > 32) {
      throw new TermMappingException("type nested too deeply: " + type.getTypeName());
    }
    Class<?> raw = rawClass(type);
    if (raw == Optional.class) {
      checkSupported(typeArgument(type, 0), depth + 1, records);
      return;
    }
    if (raw.isRecord()) {
      if (records.add(raw)) { // a record that contains itself (through a list) is checked once
        RecordShape shape = RECORDS.get(raw);
        for (int i = 0; i < shape.types.length; i++) {
          try {
            checkSupported(shape.types[i], depth + 1, records);
          } catch (TermMappingException e) {
            throw new TermMappingException(
                "record " + raw.getName() + " component " + shape.names[i].name() + ": " + e.getMessage());
          }
        }
      }
      return;
    }
    if (raw == List.class || raw == Collection.class || raw == Iterable.class) {
      checkSupported(typeArgument(type, 0), depth + 1, records);
      return;
    }
    if (raw == Map.class) {
      checkSupported(typeArgument(type, 0), depth + 1, records);
      checkSupported(typeArgument(type, 1), depth + 1, records);
      return;
    }
    if (raw == long.class || raw == Long.class || raw == int.class || raw == Integer.class
        || raw == short.class || raw == Short.class || raw == byte.class || raw == Byte.class
        || raw == BigInteger.class || raw == double.class || raw == Double.class
        || raw == float.class || raw == Float.class || raw == boolean.class || raw == Boolean.class
        || raw == String.class || raw == byte[].class || raw == Object.class
        || Term.class.isAssignableFrom(raw) || raw.isEnum()) {
      return;
    }
    throw new TermMappingException("no term mapping for Java type " + type.getTypeName());
  }

  private static Object read(Term t, Type type) {
    Class<?> raw = rawClass(type);
    if (raw == Object.class || raw == Term.class) {
      return t;
    }
    if (Term.class.isAssignableFrom(raw)) {
      if (!raw.isInstance(t)) {
        throw mismatch(t, type);
      }
      return t;
    }
    if (raw == long.class || raw == Long.class) {
      return integer(t, type, Long.MIN_VALUE, Long.MAX_VALUE);
    }
    if (raw == int.class || raw == Integer.class) {
      return (int) integer(t, type, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }
    if (raw == short.class || raw == Short.class) {
      return (short) integer(t, type, Short.MIN_VALUE, Short.MAX_VALUE);
    }
    if (raw == byte.class || raw == Byte.class) {
      return (byte) integer(t, type, Byte.MIN_VALUE, Byte.MAX_VALUE);
    }
    if (raw == BigInteger.class) {
      if (!(t instanceof ErlInteger)) {
        throw mismatch(t, type);
      }
      return ((ErlInteger) t).bigValue();
    }
    if (raw == double.class || raw == Double.class) {
      return number(t, type);
    }
    if (raw == float.class || raw == Float.class) {
      double d = number(t, type);
      if (Math.abs(d) > Float.MAX_VALUE) {
        throw new TermMappingException("float out of range for " + type.getTypeName() + ": " + d);
      }
      return (float) d;
    }
    if (raw == boolean.class || raw == Boolean.class) {
      if (t.equals(ErlAtom.TRUE)) {
        return true;
      }
      if (t.equals(ErlAtom.FALSE)) {
        return false;
      }
      throw mismatch(t, type);
    }
    if (raw == String.class) {
      return string(t, type);
    }
    if (raw == byte[].class) {
      if (!(t instanceof ErlBinary)) {
        throw mismatch(t, type);
      }
      return ((ErlBinary) t).toByteArray();
    }
    if (raw.isEnum()) {
      if (!(t instanceof ErlAtom)) {
        throw mismatch(t, type);
      }
      String name = ((ErlAtom) t).name();
      for (Object c : raw.getEnumConstants()) {
        if (((Enum<?>) c).name().equals(name)) {
          return c;
        }
      }
      throw new TermMappingException("no constant " + name + " in enum " + raw.getName());
    }
    if (raw == List.class || raw == Collection.class || raw == Iterable.class) {
      if (!(t instanceof ErlList) || !((ErlList) t).isProper()) {
        throw mismatch(t, type);
      }
      Type element = typeArgument(type, 0);
      ErlList l = (ErlList) t;
      List<Object> out = new ArrayList<>(l.size());
      for (int i = 0; i < l.size(); i++) {
        out.add(read(l.get(i), element));
      }
      return Collections.unmodifiableList(out);
    }
    if (raw == Optional.class) {
      return t.equals(UNDEFINED) ? Optional.empty() : Optional.of(read(t, typeArgument(type, 0)));
    }
    if (raw.isRecord()) {
      if (!(t instanceof ErlMap)) {
        throw mismatch(t, type);
      }
      return RECORDS.get(raw).read((ErlMap) t);
    }
    if (raw == Map.class) {
      if (!(t instanceof ErlMap)) {
        throw mismatch(t, type);
      }
      Type k = typeArgument(type, 0);
      Type v = typeArgument(type, 1);
      LinkedHashMap<Object, Object> out = new LinkedHashMap<>();
      for (Map.Entry<Term, Term> e : ((ErlMap) t).entries().entrySet()) {
        Object key = read(e.getKey(), k);
        if (out.put(key, read(e.getValue(), v)) != null) {
          throw new TermMappingException(
              "two map keys become the same " + k.getTypeName() + ": " + key);
        }
      }
      return Collections.unmodifiableMap(out);
    }
    throw new TermMappingException("no term mapping for Java type " + type.getTypeName());
  }

  private static long integer(Term t, Type type, long min, long max) {
    if (!(t instanceof ErlInteger)) {
      throw mismatch(t, type);
    }
    ErlInteger i = (ErlInteger) t;
    if (!i.isLong() || i.longValue() < min || i.longValue() > max) {
      throw new TermMappingException(
          "integer out of range for " + type.getTypeName() + ": " + i + " (expected: " + min + ".." + max + ")");
    }
    return i.longValue();
  }

  private static double number(Term t, Type type) {
    if (t instanceof ErlFloat) {
      return ((ErlFloat) t).value();
    }
    if (t instanceof ErlInteger) {
      BigInteger b = ((ErlInteger) t).bigValue();
      double d = b.doubleValue();
      if (Double.isFinite(d) && new java.math.BigDecimal(d).toBigIntegerExact().equals(b)) {
        return d;
      }
      throw new TermMappingException("integer " + b + " is not exactly a " + type.getTypeName());
    }
    throw mismatch(t, type);
  }

  private static String string(Term t, Type type) {
    if (t instanceof ErlBinary) {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(((ErlBinary) t).internalBytes()))
            .toString();
      } catch (CharacterCodingException e) {
        throw new TermMappingException("binary is not valid UTF-8 for String: " + brief(t));
      }
    }
    if (t instanceof ErlList && ((ErlList) t).isProper()) {
      ErlList l = (ErlList) t;
      StringBuilder sb = new StringBuilder(l.size());
      for (int i = 0; i < l.size(); i++) {
        Term e = l.get(i);
        int c = e instanceof ErlInteger && ((ErlInteger) e).isInt() ? ((ErlInteger) e).intValue() : -1;
        if (c < 0 || c > Character.MAX_CODE_POINT || (c >= 0xD800 && c <= 0xDFFF)) {
          throw new TermMappingException(
              "list element " + i + " is not a Unicode code point for String: " + brief(e));
        }
        sb.appendCodePoint(c);
      }
      return sb.toString();
    }
    throw mismatch(t, type);
  }

  private static Class<?> rawClass(Type type) {
    if (type instanceof Class) {
      return (Class<?>) type;
    }
    if (type instanceof ParameterizedType) {
      return rawClass(((ParameterizedType) type).getRawType());
    }
    if (type instanceof WildcardType) {
      WildcardType w = (WildcardType) type;
      if (w.getLowerBounds().length == 0 && w.getUpperBounds().length == 1) {
        return rawClass(w.getUpperBounds()[0]);
      }
    }
    if (type instanceof TypeVariable || type instanceof GenericArrayType || type instanceof WildcardType) {
      throw new TermMappingException("no term mapping for Java type " + type.getTypeName());
    }
    throw new TermMappingException("no term mapping for Java type " + type);
  }

  /** The type argument, or Object (meaning: any term, passed through) for a raw type. */
  private static Type typeArgument(Type type, int index) {
    if (type instanceof ParameterizedType) {
      Type arg = ((ParameterizedType) type).getActualTypeArguments()[index];
      if (arg instanceof WildcardType) {
        WildcardType w = (WildcardType) arg;
        if (w.getLowerBounds().length > 0) {
          throw new TermMappingException("no term mapping for Java type " + type.getTypeName());
        }
        return w.getUpperBounds()[0];
      }
      return arg;
    }
    return Object.class;
  }

  private static TermMappingException mismatch(Term t, Type type) {
    return new TermMappingException(
        "expected " + expected(rawClass(type)) + " for " + type.getTypeName() + " but got " + brief(t));
  }

  private static String expected(Class<?> raw) {
    if (raw == BigInteger.class || raw == long.class || raw == Long.class || raw == int.class
        || raw == Integer.class || raw == short.class || raw == Short.class || raw == byte.class
        || raw == Byte.class) {
      return "an integer";
    }
    if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class) {
      return "a number";
    }
    if (raw == boolean.class || raw == Boolean.class) {
      return "true or false";
    }
    if (raw == String.class) {
      return "a UTF-8 binary or a list of code points";
    }
    if (raw == byte[].class) {
      return "a binary";
    }
    if (raw.isEnum()) {
      return "an atom";
    }
    if (raw == Map.class) {
      return "a map";
    }
    if (raw == List.class || raw == Collection.class || raw == Iterable.class) {
      return "a proper list";
    }
    if (raw.isRecord()) {
      return "a map with atom keys";
    }
    return "an " + raw.getSimpleName();
  }

  /** The term in Erlang syntax, cut short for error messages. */
  private static String brief(Term t) {
    String s = TermPrinter.print(t);
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }

  /**
   * A record class's components: names (as atoms), generic types, accessors and canonical
   * constructor. Made from the program's declared type only.
   */
  private static final class RecordShape {
    final Class<?> type;
    final ErlAtom[] names;
    final Type[] types;
    final Method[] accessors;
    final Constructor<?> constructor;

    RecordShape(Class<?> type) {
      this.type = type;
      RecordComponent[] cs = type.getRecordComponents();
      names = new ErlAtom[cs.length];
      types = new Type[cs.length];
      accessors = new Method[cs.length];
      Class<?>[] raw = new Class<?>[cs.length];
      for (int i = 0; i < cs.length; i++) {
        names[i] = ErlAtom.of(cs[i].getName());
        types[i] = cs[i].getGenericType();
        accessors[i] = cs[i].getAccessor();
        raw[i] = cs[i].getType();
      }
      try {
        constructor = type.getDeclaredConstructor(raw);
        // A record declared package-private or nested in the program's own code.
        constructor.setAccessible(true);
        for (Method a : accessors) {
          a.setAccessible(true);
        }
      } catch (NoSuchMethodException | RuntimeException e) {
        throw new TermMappingException("no term mapping for record " + type.getName() + ": " + e);
      }
    }

    Object get(Object record, int i) {
      try {
        return accessors[i].invoke(record);
      } catch (IllegalAccessException e) {
        throw new TermMappingException("cannot read component " + names[i].name() + " of " + type.getName() + ": " + e);
      } catch (InvocationTargetException e) {
        throw new TermMappingException(
            "accessor " + names[i].name() + " of " + type.getName() + " threw " + e.getCause());
      }
    }

    Object read(ErlMap m) {
      Map<Term, Term> entries = m.entries();
      Object[] values = new Object[names.length];
      int found = 0;
      for (int i = 0; i < names.length; i++) {
        Term v = entries.get(names[i]);
        if (v == null) {
          if (rawClass(types[i]) == Optional.class) {
            values[i] = Optional.empty();
            continue;
          }
          throw new TermMappingException("map has no key " + names[i].name() + " for record " + type.getName());
        }
        found++;
        try {
          values[i] = TermMapper.read(v, types[i]);
        } catch (TermMappingException e) {
          throw new TermMappingException(type.getSimpleName() + "." + names[i].name() + ": " + e.getMessage());
        }
      }
      if (found != entries.size()) {
        for (Term k : entries.keySet()) {
          if (!(k instanceof ErlAtom) || !isComponent((ErlAtom) k)) {
            throw new TermMappingException("record " + type.getName() + " has no component " + brief(k));
          }
        }
      }
      try {
        return constructor.newInstance(values);
      } catch (InvocationTargetException e) {
        throw new TermMappingException("record " + type.getName() + " refused its components: " + e.getCause().getMessage());
      } catch (InstantiationException | IllegalAccessException e) {
        throw new TermMappingException("cannot make record " + type.getName() + ": " + e);
      }
    }

    private boolean isComponent(ErlAtom k) {
      for (ErlAtom n : names) {
        if (n.equals(k)) {
          return true;
        }
      }
      return false;
    }
  }
}
