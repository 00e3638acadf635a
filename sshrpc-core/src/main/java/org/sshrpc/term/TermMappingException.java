package org.sshrpc.term;

/**
 * The exception {@link TermMapper} throws when a value or term has no mapping to the requested
 * type. A server treats it as a bad argument ({@code badarg}) rather than a bug in a handler.
 */
public class TermMappingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception saying what did not map.
   *
   * @param message names the type or term
   */
  public TermMappingException(String message) {
    super(message);
  }
}
