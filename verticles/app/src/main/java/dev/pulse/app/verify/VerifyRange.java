package dev.pulse.app.verify;

import java.time.Instant;
import java.util.Optional;

/**
 * The windows to compare: those starting at or after {@code from} and ending at or before {@code to}; either
 * bound may be absent. Only closed windows are compared in any case.
 */
public record VerifyRange(Optional<Instant> from, Optional<Instant> to) {

  public static final VerifyRange ALL = new VerifyRange(Optional.empty(), Optional.empty());

  public VerifyRange {
    if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
      throw new IllegalArgumentException("--from " + from.get() + " is not before --to " + to.get());
    }
  }
}
