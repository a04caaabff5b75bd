package dev.pulse.app.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Collects Vert.x's blocked-thread warnings so a test can fail on them: tests run nodes with a short
 * maximum event-loop execute time, and any blocking call on an event loop shows up here.
 */
final class BlockedThreadWatch extends AppenderBase<ILoggingEvent> {

  static final String CHECKER_LOGGER = "io.vertx.core.impl.BlockedThreadChecker";

  private final List<String> warnings = new CopyOnWriteArrayList<>();

  static BlockedThreadWatch install() {
    BlockedThreadWatch watch = new BlockedThreadWatch();
    Logger logger = (Logger) LoggerFactory.getLogger(CHECKER_LOGGER);
    watch.setContext(logger.getLoggerContext());
    watch.start();
    logger.addAppender(watch);
    return watch;
  }

  void uninstall() {
    ((Logger) LoggerFactory.getLogger(CHECKER_LOGGER)).detachAppender(this);
    stop();
  }

  @Override
  protected void append(ILoggingEvent event) {
    warnings.add(event.getFormattedMessage());
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }
}
