package dev.pulse.common.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.util.List;

/**
 * Passes immutable records between verticles of one node by reference. Records sent with it never
 * leave the node: an attempt to put one on the wire fails loudly instead of silently losing data.
 */
public final class LocalRecordCodec<T> implements MessageCodec<T, T> {

  private final Class<T> type;

  private LocalRecordCodec(Class<T> type) {
    this.type = type;
  }

  /** Registers the codec as the default for each type, once per Vert.x instance. */
  public static void registerAll(Vertx vertx, List<Class<?>> types) {
    for (Class<?> type : types) {
      register(vertx, type);
    }
  }

  private static <T> void register(Vertx vertx, Class<T> type) {
    try {
      vertx.eventBus().registerDefaultCodec(type, new LocalRecordCodec<>(type));
    } catch (IllegalStateException alreadyRegistered) {
      // Several verticles of one node register the same records; the first registration wins.
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, T value) {
    throw new UnsupportedOperationException(type.getName() + " is node-local and cannot cross the cluster");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(type.getName() + " is node-local and cannot cross the cluster");
  }

  @Override
  public T transform(T value) {
    return value;
  }

  @Override
  public String name() {
    return "local:" + type.getName();
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
