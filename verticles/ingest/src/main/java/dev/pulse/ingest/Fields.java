package dev.pulse.ingest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
  private static final byte[][] KNOWN_BYTES = ascii(KNOWN);
  private static final byte[][] ADDED_BY_ENRICHER_BYTES = ascii(ADDED_BY_ENRICHER.toArray(String[]::new));
  /**
   * Longest key and number {@link #readPlain} reads itself; longer ones go to Jackson, whose limits (50,000
   * characters for a name, 1,000 for a number) then decide.
   */
  private static final int PLAIN_MAX_KEY = 1_000;
  private static final int PLAIN_MAX_NUMBER = 100;
  private static final int TIMESTAMP = 4;
  /** The value of a timestamp {@link #readPlain} has read itself ({@link #plainTimestamp()}). */
  static final Composite PLAIN_TIMESTAMP = new Composite("a timestamp");
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long QUOTES = '"' * ONES;
  private static final long BACKSLASHES = '\\' * ONES;
  private static final long SPACES = ' ' * ONES;

  private final boolean checkStrings;
  private final Object[] values = new Object[KNOWN.length];
  private String[] names;
  private int nameCount;
  private boolean nestedValues;
  private String rootKind;
  private String unpairedSurrogateAt;
  private boolean carriesEnrichmentFields;
  private long plainTimestamp;

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

  /**
   * Reads the common shape of an event without Jackson: one object of scalar values (strings, numbers, true,
   * false, null), all of it ASCII with no backslash, no nested object or array. For any other record it answers
   * null without a word, and the caller reads the record with {@link #read}: so this method only ever accepts
   * JSON that Jackson reads the same way, and every verdict on other input, every error message included, is still
   * Jackson's. What it accepts is a strict subset of RFC 8259: a key seen twice, a number Jackson would not take
   * ({@code 01}, {@code 1.}, {@code -}), whitespace other than space, tab, CR and LF, a control character in a
   * string, anything after the object, all answer null.
   *
   * <p>Why: Jackson builds a parser, a symbol table, a text buffer and a context per document, and recycles its
   * buffers through volatile writes; for a 165-byte event that was most of the parse, and the parse most of ingest.
   */
  static Fields readPlain(byte[] b) {
    int n = b.length;
    int i = skipWhitespace(b, 0);
    if (i >= n || b[i] != '{') {
      return null;
    }
    i = skipWhitespace(b, i + 1);
    Fields f = new Fields(false);
    int[] keys = new int[16]; // start and end of each key, for the duplicate check
    int keyCount = 0;
    long seenKeys = 0; // one bit per (length, first and last byte) of the keys so far: most keys skip the check
    while (true) {
      if (i >= n || b[i] != '"') {
        return null; // includes {} (no field at all: rare, and Jackson's to judge)
      }
      int keyStart = i + 1;
      int keyEnd = endOfPlainString(b, keyStart);
      if (keyEnd < 0 || keyEnd - keyStart > PLAIN_MAX_KEY) {
        return null;
      }
      long keyBit = 1L << ((keyEnd - keyStart) * 31 + (keyEnd > keyStart ? b[keyStart] * 7 + b[keyEnd - 1] : 0));
      if ((seenKeys & keyBit) != 0) {
        for (int k = 0; k < keyCount; k += 2) {
          if (sameBytes(b, keys[k], keys[k + 1], b, keyStart, keyEnd)) {
            return null; // a duplicate key: Jackson's path refuses it with its name
          }
        }
      }
      seenKeys |= keyBit;
      if (keyCount == keys.length) {
        keys = java.util.Arrays.copyOf(keys, keyCount * 2);
      }
      keys[keyCount++] = keyStart;
      keys[keyCount++] = keyEnd;
      i = skipWhitespace(b, keyEnd + 1);
      if (i >= n || b[i] != ':') {
        return null;
      }
      i = skipWhitespace(b, i + 1);
      if (i >= n) {
        return null;
      }
      int known = knownField(b, keyStart, keyEnd);
      Object value;
      int end;
      byte c = b[i];
      if (c == '"') {
        end = endOfPlainString(b, i + 1);
        if (end < 0) {
          return null;
        }
        value = null;
        if (known == TIMESTAMP) {
          f.plainTimestamp = FastIsoInstant.parse(b, i + 1, end);
          if (f.plainTimestamp != FastIsoInstant.NOT_THIS_SHAPE) {
            value = PLAIN_TIMESTAMP;
          }
        }
        if (known >= 0 && value == null) {
          value = new String(b, i + 1, end - i - 1, StandardCharsets.ISO_8859_1); // ASCII
        }
        end++;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        end = endOfNumber(b, i);
        if (end < 0) {
          return null;
        }
        value = null;
        if (known >= 0) {
          value = plainInteger(b, i, end);
          if (value == null) {
            return null; // a fraction, an exponent or a big integer in a checked field: Jackson's types decide
          }
        }
      } else if (c == 't' && matches(b, i, "true")) {
        end = i + 4;
        value = Boolean.TRUE;
      } else if (c == 'f' && matches(b, i, "false")) {
        end = i + 5;
        value = Boolean.FALSE;
      } else if (c == 'n' && matches(b, i, "null")) {
        end = i + 4;
        value = NULL;
      } else {
        return null; // an object, an array, or not JSON
      }
      if (known >= 0) {
        f.values[known] = value;
      } else if (indexOf(b, keyStart, keyEnd, ADDED_BY_ENRICHER_BYTES) >= 0) {
        f.carriesEnrichmentFields = true;
      }
      i = skipWhitespace(b, end);
      if (i >= n) {
        return null;
      }
      if (b[i] == ',') {
        i = skipWhitespace(b, i + 1);
      } else if (b[i] == '}') {
        return skipWhitespace(b, i + 1) == n ? f : null;
      } else {
        return null;
      }
    }
  }

  private static int skipWhitespace(byte[] b, int i) {
    while (i < b.length) {
      byte c = b[i];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return i;
      }
      i++;
    }
    return i;
  }

  /** The index of the closing quote of a string starting at {@code i}, or -1 if it holds anything but plain ASCII. */
  private static int endOfPlainString(byte[] b, int i) {
    // Eight bytes at a time while none is a quote, a backslash, a control character or beyond ASCII; the byte
    // loop below finds which one it is.
    while (i + 8 <= b.length) {
      long x = (long) LONGS.get(b, i);
      long quote = x ^ QUOTES;
      long backslash = x ^ BACKSLASHES;
      if (((((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | ((x - SPACES) & ~x) | x) & HIGHS) != 0) {
        break;
      }
      i += 8;
    }
    for (; i < b.length; i++) {
      byte c = b[i];
      if (c == '"') {
        return i;
      }
      if (c < 0x20 || c == '\\') {
        return -1; // a control character, a byte beyond ASCII (negative), or an escape
      }
    }
    return -1;
  }

  /** The end of an RFC 8259 number starting at {@code i}, or -1 if it is not one (or is longer than we read). */
  private static int endOfNumber(byte[] b, int i) {
    int start = i;
    int n = b.length;
    if (b[i] == '-') {
      i++;
    }
    if (i >= n) {
      return -1;
    }
    if (b[i] == '0') {
      i++;
    } else if (b[i] >= '1' && b[i] <= '9') {
      i = digits(b, i);
    } else {
      return -1;
    }
    if (i < n && b[i] == '.') {
      int d = digits(b, i + 1);
      if (d == i + 1) {
        return -1;
      }
      i = d;
    }
    if (i < n && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      if (i < n && (b[i] == '+' || b[i] == '-')) {
        i++;
      }
      int d = digits(b, i);
      if (d == i) {
        return -1;
      }
      i = d;
    }
    return i - start > PLAIN_MAX_NUMBER ? -1 : i;
  }

  private static int digits(byte[] b, int i) {
    while (i < b.length && b[i] >= '0' && b[i] <= '9') {
      i++;
    }
    return i;
  }

  /** An integer of up to 18 digits as Jackson types it (Integer when it fits, else Long), or null for other numbers. */
  private static Object plainInteger(byte[] b, int start, int end) {
    boolean negative = b[start] == '-';
    int first = negative ? start + 1 : start;
    if (end - first > 18) {
      return null;
    }
    long v = 0;
    for (int i = first; i < end; i++) {
      byte c = b[i];
      if (c < '0' || c > '9') {
        return null; // a fraction or an exponent
      }
      v = v * 10 + (c - '0');
    }
    if (negative) {
      v = -v;
    }
    return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (Object) (int) v : (Object) v;
  }

  private static boolean matches(byte[] b, int i, String literal) {
    if (i + literal.length() > b.length) {
      return false;
    }
    for (int k = 0; k < literal.length(); k++) {
      if (b[i + k] != literal.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** Which of {@link #KNOWN} the key {@code b[start, end)} is, or -1: by its length, then its bytes. */
  private static int knownField(byte[] b, int start, int end) {
    int candidate = switch (end - start) {
      case 7 -> 1; // user_id
      case 8 -> b[start] == 'e' ? 0 : 2; // event_id, page_url
      case 9 -> 4; // timestamp
      case 10 -> 3; // event_type
      default -> -1;
    };
    return candidate >= 0 && sameBytes(b, start, end, KNOWN_BYTES[candidate], 0, KNOWN_BYTES[candidate].length)
        ? candidate : -1;
  }

  private static int indexOf(byte[] b, int start, int end, byte[][] names) {
    for (int k = 0; k < names.length; k++) {
      if (sameBytes(b, start, end, names[k], 0, names[k].length)) {
        return k;
      }
    }
    return -1;
  }

  /** Keys are short and mostly differ in length: cheaper than the range form of Arrays.equals for them. */
  private static boolean sameBytes(byte[] a, int aStart, int aEnd, byte[] b, int bStart, int bEnd) {
    int length = aEnd - aStart;
    if (length != bEnd - bStart) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (a[aStart + i] != b[bStart + i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[][] ascii(String[] names) {
    byte[][] out = new byte[names.length][];
    for (int i = 0; i < names.length; i++) {
      out[i] = names[i].getBytes(StandardCharsets.US_ASCII);
    }
    return out;
  }

  /** The epoch milliseconds of a timestamp whose value is {@link #PLAIN_TIMESTAMP}. */
  long plainTimestamp() {
    return plainTimestamp;
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
    if (names == null) {
      names = new String[12];
    } else if (nameCount == names.length) {
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
