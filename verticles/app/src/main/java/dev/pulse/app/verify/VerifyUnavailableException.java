package dev.pulse.app.verify;

/** PostgreSQL cannot be reached or queried, or the lake cannot be read: nothing was compared. */
public final class VerifyUnavailableException extends Exception {

  public VerifyUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public VerifyUnavailableException(String message) {
    super(message);
  }
}
