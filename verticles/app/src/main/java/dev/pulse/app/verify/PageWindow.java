package dev.pulse.app.verify;

/** One page's count key: a 1-minute window (start, epoch milliseconds) and a URL. */
record PageWindow(long windowStart, String pageUrl) implements Comparable<PageWindow> {

  @Override
  public int compareTo(PageWindow o) {
    int byTime = Long.compare(windowStart, o.windowStart);
    return byTime != 0 ? byTime : pageUrl.compareTo(o.pageUrl);
  }
}
