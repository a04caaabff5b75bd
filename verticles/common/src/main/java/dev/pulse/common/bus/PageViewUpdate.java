package dev.pulse.common.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The page-view counts of one Kafka partition's checkpoint, as published on
 * {@link dev.pulse.common.Addresses#WINDOW_UPDATES} for dashboards on any node. Columns, not one object per row: a
 * checkpoint can change thousands of (window, page) counts, and an object per row was most of the cost of the
 * dashboard on the sending and the receiving side, and of the message's size on the cluster's wire.
 *
 * <pre>{"type":"pageViews","topic":t,"partition":p,"windowStart":[ms...],"pageUrl":[...],"views":[n...]}</pre>
 */
public final class PageViewUpdate {

  public static final String TYPE = "pageViews";

  private final String topic;
  private final int partition;
  private final List<Object> windowStarts;
  private final List<Object> pageUrls;
  private final List<Object> views;

  private PageViewUpdate(String topic, int partition, List<Object> windowStarts, List<Object> pageUrls,
      List<Object> views) {
    this.topic = topic;
    this.partition = partition;
    this.windowStarts = windowStarts;
    this.pageUrls = pageUrls;
    this.views = views;
  }

  /** An empty update to fill with {@link #add}. */
  public static PageViewUpdate of(String topic, int partition, int expectedRows) {
    return new PageViewUpdate(topic, partition, new ArrayList<>(expectedRows), new ArrayList<>(expectedRows),
        new ArrayList<>(expectedRows));
  }

  /** Reads a published update; a malformed one fails with an exception that says which field is wrong. */
  public static PageViewUpdate from(JsonObject message) {
    JsonArray starts = message.getJsonArray("windowStart");
    JsonArray urls = message.getJsonArray("pageUrl");
    JsonArray counts = message.getJsonArray("views");
    if (starts == null || urls == null || counts == null || starts.size() != urls.size()
        || starts.size() != counts.size()) {
      throw new IllegalArgumentException("a page-view update needs windowStart, pageUrl and views of equal length");
    }
    return new PageViewUpdate(message.getString("topic"), message.getInteger("partition"), starts.getList(),
        urls.getList(), counts.getList());
  }

  public PageViewUpdate add(long windowStart, String pageUrl, long count) {
    windowStarts.add(windowStart);
    pageUrls.add(pageUrl);
    views.add(count);
    return this;
  }

  public String topic() {
    return topic;
  }

  public int partition() {
    return partition;
  }

  public int size() {
    return windowStarts.size();
  }

  public long windowStart(int row) {
    return ((Number) windowStarts.get(row)).longValue();
  }

  public String pageUrl(int row) {
    return (String) pageUrls.get(row);
  }

  public long views(int row) {
    return ((Number) views.get(row)).longValue();
  }

  public JsonObject toJson() {
    return new JsonObject().put("type", TYPE).put("topic", topic).put("partition", partition)
        .put("windowStart", new JsonArray(windowStarts)).put("pageUrl", new JsonArray(pageUrls))
        .put("views", new JsonArray(views));
  }
}
