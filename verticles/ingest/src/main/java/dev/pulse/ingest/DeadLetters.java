package dev.pulse.ingest;

import dev.pulse.common.model.DeadLetter;
import dev.pulse.ingest.EventParser.Invalid;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** A refused record as it goes to the dead-letter topic: key, value and headers unchanged, plus why and whence. */
final class DeadLetters {

  private DeadLetters() {
  }

  static DeadLetter of(ConsumerRecord<byte[], byte[]> rec, Invalid invalid) {
    List<DeadLetter.Header> headers = new ArrayList<>();
    for (Header h : rec.headers()) {
      headers.add(new DeadLetter.Header(h.key(), h.value()));
    }
    headers.add(header(DeadLetter.HEADER_REASON, invalid.detail()));
    headers.add(header(DeadLetter.HEADER_REASON_CODE, invalid.code()));
    headers.add(header(DeadLetter.HEADER_SOURCE_TOPIC, rec.topic()));
    headers.add(header(DeadLetter.HEADER_SOURCE_PARTITION, String.valueOf(rec.partition())));
    headers.add(header(DeadLetter.HEADER_SOURCE_OFFSET, String.valueOf(rec.offset())));
    headers.add(header(DeadLetter.HEADER_SOURCE_TIMESTAMP, String.valueOf(rec.timestamp())));
    return new DeadLetter(rec.offset(), rec.key(), rec.value(), headers);
  }

  private static DeadLetter.Header header(String key, String value) {
    return new DeadLetter.Header(key, value.getBytes(StandardCharsets.UTF_8));
  }
}
