package dev.pulse.app.it;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Input produced at a steady rate on a thread of its own, as a site would send it, through an outage of a
 * dependency: an idempotent producer that keeps retrying (for two minutes) while the broker is away. Event times
 * are the wall clock. Two events in three are page views; one record in a hundred is broken JSON (for the DLQ).
 */
final class SteadyStream implements AutoCloseable {

  static final int INVALID_EVERY = 100;

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final String idPrefix;
  private final int perSecond;
  private final Thread thread;
  private final AtomicLong valid = new AtomicLong();
  private final AtomicLong pageViews = new AtomicLong();
  private final AtomicLong invalid = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private volatile boolean stopping;

  SteadyStream(String bootstrap, String topic, String idPrefix, int perSecond) {
    this.producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
        ProducerConfig.LINGER_MS_CONFIG, "5",
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000",
        ProducerConfig.MAX_BLOCK_MS_CONFIG, "120000",
        ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500"),
        new ByteArraySerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.idPrefix = idPrefix;
    this.perSecond = perSecond;
    this.thread = new Thread(this::run, "steady-stream");
  }

  SteadyStream start() {
    thread.start();
    return this;
  }

  private void run() {
    long start = System.nanoTime();
    for (long i = 0; !stopping; i++) {
      long due = start + i * 1_000_000_000L / perSecond;
      long wait = due - System.nanoTime();
      if (wait > 1_000_000) {
        try {
          TimeUnit.NANOSECONDS.sleep(wait); // pacing the producer, not waiting for a result
        } catch (InterruptedException e) {
          return;
        }
      }
      String user = "u-" + (i % 997);
      boolean pageView = i % 3 != 0;
      String json = new JsonObject().put("event_id", idPrefix + "-" + i).put("user_id", user)
          .put("page_url", "/p/" + (i % 13)).put("event_type", pageView ? "page_view" : "click")
          .put("timestamp", Instant.now().toString()).encode();
      send(user, json);
      valid.incrementAndGet();
      if (pageView) {
        pageViews.incrementAndGet();
      }
      if (i % INVALID_EVERY == 0) {
        send(user, "{broken " + i);
        invalid.incrementAndGet();
      }
    }
  }

  private void send(String key, String value) {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8)), (metadata, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          } else {
            acknowledged.incrementAndGet();
          }
        });
  }

  /** Stops producing and waits until the broker has acknowledged every record sent. */
  void stop() throws InterruptedException {
    stopping = true;
    thread.join(TimeUnit.MINUTES.toMillis(2));
    producer.flush();
    if (failure.get() != null) {
      throw new IllegalStateException("the broker refused a record", failure.get());
    }
  }

  /** Records acknowledged by the broker so far. */
  long acknowledged() {
    return acknowledged.get();
  }

  long valid() {
    return valid.get();
  }

  long pageViews() {
    return pageViews.get();
  }

  long invalid() {
    return invalid.get();
  }

  long records() {
    return valid() + invalid();
  }

  @Override
  public void close() {
    stopping = true;
    producer.close();
  }
}
