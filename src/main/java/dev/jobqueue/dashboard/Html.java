package dev.jobqueue.dashboard;

/**
 * Builds HTML: literal markup goes in through {@link #raw}, every other value through {@link
 * #text}, which escapes it with {@link #escape}, the one escaping function of every page.
 */
final class Html {
  private final StringBuilder out = new StringBuilder(4096);

  /** Escapes text for an element's content or a quoted attribute value. */
  static String escape(Object value) {
    String text = String.valueOf(value);
    StringBuilder s = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> s.append("&amp;");
        case '<' -> s.append("&lt;");
        case '>' -> s.append("&gt;");
        case '"' -> s.append("&quot;");
        case '\'' -> s.append("&#39;");
        default -> s.append(c);
      }
    }
    return s.toString();
  }

  /** Appends markup written in the code, never a value from a request or the database. */
  Html raw(String markup) {
    out.append(markup);
    return this;
  }

  /** Appends a value, escaped. */
  Html text(Object value) {
    out.append(escape(value));
    return this;
  }

  /** Appends {@code <tag>value</tag>} with the value escaped. */
  Html element(String tag, Object value) {
    return raw("<" + tag + ">").text(value).raw("</" + tag + ">");
  }

  /** Appends a hidden form field. */
  Html hidden(String name, Object value) {
    return raw("<input type=\"hidden\" name=\"")
        .text(name)
        .raw("\" value=\"")
        .text(value)
        .raw("\">");
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
