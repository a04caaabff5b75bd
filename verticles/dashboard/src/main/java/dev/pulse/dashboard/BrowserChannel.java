package dev.pulse.dashboard;

import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One browser's WebSocket. While the socket's write queue is full the channel keeps at most
 * {@code capacity} pending messages and drops the oldest: a slow or dead browser costs bounded memory and
 * never holds the pipeline back. Used on the dashboard's event loop only.
 */
final class BrowserChannel {

  private final ServerWebSocket socket;
  private final int capacity;
  private final Deque<String> pending = new ArrayDeque<>();

  BrowserChannel(ServerWebSocket socket, int capacity) {
    this.socket = socket;
    this.capacity = capacity;
    socket.drainHandler(v -> flush());
  }

  /** Sends now, or queues; answers how many queued messages had to be dropped to make room. */
  int send(String message) {
    if (pending.isEmpty() && !socket.writeQueueFull()) {
      socket.writeTextMessage(message);
      return 0;
    }
    pending.addLast(message);
    int droppedNow = 0;
    while (pending.size() > capacity) {
      pending.removeFirst();
      droppedNow++;
    }
    flush();
    return droppedNow;
  }

  private void flush() {
    while (!pending.isEmpty() && !socket.writeQueueFull()) {
      socket.writeTextMessage(pending.removeFirst());
    }
  }

}
