package dev.pulse.ingest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Set;

/**
 * What the parser checks of a record's JSON, read in one streaming pass over its bytes: the five fields Pulse
 * uses, with their JSON types, and facts about the rest (whether it carries a field the enricher adds, where an
 * unpaired surrogate is). Every other field is only validated, never built into objects: its bytes pass through
 * as they came. The whole document is read, so malformed JSON anywhere and nesting beyond Jackson's limit are
 * errors. Duplicate keys of the top-level object are found here, by comparing names (Jackson's strict duplicate
 * detection builds a hash set per object, a third of the parse); a document with nested objects or arrays says
 * so ({@link #hasNestedValues()}), and the caller checks its inner keys with a strict parser.
 */
final class Fields {

  /** A value the checks only need the JSON type of. */
  record Composite(String description) {
  }

  static final Composite OBJECT = new Composite("an object");
  static final Composite ARRAY = new Composite("an array");
  private static final Composite NULL = new Composite("null");

  private static final String[] KNOWN = {"event_id", "user_id", "page_url", "event_type", "timestamp"};
  /** Fields the enriched stream adds; an input that carries one is enriched by rewriting it, not by appending. */
  private static final Set<String> ADDED_BY_ENRICHER = Set.of("processing_time", "event_date", "is_late");

  private final boolean checkStrings;
  private final Object[] values = new Object[KNOWN.length];
  private String[] names = new String[12];
  private int nameCount;
  private boolean nestedValues;
  private String rootKind;
  private String unpairedSurrogateAt;
  private boolean carriesEnrichmentFields;

  private Fields(boolean checkStrings) {
    this.checkStrings = checkStrings;
  }

  /**
   * Reads one JSON document.
   *
   * @param checkStrings decode every key and string to look for unpaired surrogates (only a backslash-u escape
   *                     can make one, so callers ask for it only when the bytes hold such an escape)
   */
  static Fields read(JsonParser p, boolean checkStrings) throws IOException {
    Fields f = new Fields(checkStrings);
    JsonToken root = p.nextToken();
    if (root == null) {
      throw new JsonParseException(p, "no JSON value");
    }
    if (root == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        f.addName(p, name);
        if (checkStrings && EventParser.hasUnpairedSurrogate(name)) {
          f.surrogateAt("a key in the object");
        }
        JsonToken token = p.nextToken();
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
          f.nestedValues = true;
        }
        int known = indexOf(name);
        if (known >= 0) {
          f.values[known] = f.value(p, token, name);
        } else {
          f.skip(p, token, name);
          if (ADDED_BY_ENRICHER.contains(name)) {
            f.carriesEnrichmentFields = true;
          }
        }
      }
    } else {
      f.rootKind = root == JsonToken.VALUE_NULL ? "null" : describe(root);
      f.skip(p, root, "");
    }
    if (p.nextToken() != null) {
      throw new JsonParseException(p, "unexpected content after the JSON value");
    }
    return f;
  }

  /** Whether a top-level value is an object or an array, whose keys {@link #read} did not compare. */
  boolean hasNestedValues() {
    return nestedValues;
  }

  /** Not null when the document is not an object: what it is instead ("an array", "a string", ...). */
  String rootKind() {
    return rootKind;
  }

  /** Where the first unpaired surrogate is ("user_id", "ctx.tags[1]", "a key in ctx"), or null. */
  String unpairedSurrogateAt() {
    return unpairedSurrogateAt;
  }

  /** Whether the record already has one of the fields the enricher adds (processing_time, event_date, is_late). */
  boolean carriesEnrichmentFields() {
    return carriesEnrichmentFields;
  }

  /** A checked field's value: String, Integer, Long, BigInteger, Double, Boolean, {@link Composite}; null if null or absent. */
  Object getValue(String field) {
    Object v = values[indexOf(field)];
    return v == NULL ? null : v;
  }

  boolean containsKey(String field) {
    return values[indexOf(field)] != null;
  }

  String getString(String field) {
    return (String) getValue(field);
  }

  private Object value(JsonParser p, JsonToken token, String path) throws IOException {
    switch (token) {
      case VALUE_STRING -> {
        String s = p.getText();
        if (checkStrings && EventParser.hasUnpairedSurrogate(s)) {
          surrogateAt(path);
        }
        return s;
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> p.getIntValue();
          case LONG -> p.getLongValue();
          default -> p.getBigIntegerValue();
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return p.getDoubleValue();
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return token == JsonToken.VALUE_TRUE;
      }
      case VALUE_NULL -> {
        return NULL;
      }
      case START_OBJECT -> {
        skip(p, token, path);
        return OBJECT;
      }
      case START_ARRAY -> {
        skip(p, token, path);
        return ARRAY;
      }
      default -> throw new JsonParseException(p, "unexpected " + token);
    }
  }

  /** Reads past a value, looking into its strings only when asked to. */
  private void skip(JsonParser p, JsonToken token, String path) throws IOException {
    if (!checkStrings) {
      p.skipChildren();
      return;
    }
    switch (token) {
      case START_OBJECT -> {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          if (EventParser.hasUnpairedSurrogate(name)) {
            surrogateAt("a key in " + (path.isEmpty() ? "the object" : path));
          }
          skip(p, next(p), path.isEmpty() ? name : path + "." + name);
        }
        if (t != JsonToken.END_OBJECT) {
          throw new JsonParseException(p, "unexpected " + t + " in an object");
        }
      }
      case START_ARRAY -> {
        int i = 0;
        for (JsonToken t = next(p); t != JsonToken.END_ARRAY; t = next(p)) {
          skip(p, t, path + "[" + i++ + "]");
        }
      }
      case VALUE_STRING -> {
        if (EventParser.hasUnpairedSurrogate(p.getText())) {
          surrogateAt(path.isEmpty() ? "the value" : path);
        }
      }
      default -> {
        // numbers, booleans, null: nothing to look into
      }
    }
  }

  private static JsonToken next(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new JsonParseException(p, "unexpected end of input");
    }
    return t;
  }

  private void surrogateAt(String where) {
    if (unpairedSurrogateAt == null) {
      unpairedSurrogateAt = where;
    }
  }

  /**
   * Remembers a top-level key, refusing one seen before. Jackson hands out canonical (interned) names, so the
   * identity test settles a repeated key; {@code equals} stays for names Jackson did not canonicalize, and tells
   * distinct names apart by their length or first characters.
   */
  private void addName(JsonParser p, String name) throws JsonParseException {
    for (int i = 0; i < nameCount; i++) {
      String seen = names[i];
      if (seen == name || seen.equals(name)) {
        throw new JsonParseException(p, "Duplicate field '" + name + "'");
      }
    }
    if (nameCount == names.length) {
      names = java.util.Arrays.copyOf(names, nameCount * 2);
    }
    names[nameCount++] = name;
  }

  /**
   * The index of a checked field, or -1. Jackson interns the names it reads, as the compiler does literals, so the
   * identity pass finds a known field without reading a character; the second pass only runs for other fields.
   */
  private static int indexOf(String name) {
    for (int i = 0; i < KNOWN.length; i++) {
      if (KNOWN[i] == name) {
        return i;
      }
    }
    for (int i = 0; i < KNOWN.length; i++) {
      if (KNOWN[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static String describe(JsonToken token) {
    return switch (token) {
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      default -> token.toString();
    };
  }
}
