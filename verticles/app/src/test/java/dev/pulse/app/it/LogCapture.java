package dev.pulse.app.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Collects the log lines of some loggers that carry a stack trace, so a test can show there were none. */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final List<String> loggers;
  private final List<String> withStackTrace = new CopyOnWriteArrayList<>();

  private LogCapture(List<String> loggers) {
    this.loggers = loggers;
  }

  static LogCapture stackTracesOf(String... loggerNames) {
    LogCapture capture = new LogCapture(List.of(loggerNames));
    for (String name : loggerNames) {
      Logger logger = (Logger) LoggerFactory.getLogger(name);
      capture.setContext(logger.getLoggerContext());
      logger.addAppender(capture);
    }
    capture.start();
    return capture;
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (event.getThrowableProxy() != null) {
      withStackTrace.add(event.getLoggerName() + ": " + event.getFormattedMessage() + " / "
          + event.getThrowableProxy().getClassName() + ": " + event.getThrowableProxy().getMessage());
    }
  }

  List<String> stackTraces() {
    return List.copyOf(withStackTrace);
  }

  @Override
  public void close() {
    for (String name : loggers) {
      ((Logger) LoggerFactory.getLogger(name)).detachAppender(this);
    }
    stop();
  }
}
