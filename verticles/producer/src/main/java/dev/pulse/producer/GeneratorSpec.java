package dev.pulse.producer;

/**
 * What synthetic traffic to make.
 *
 * @param users          distinct user ids (u-1 … u-N)
 * @param pages          distinct product and category pages, beside the fixed ones (/, /cart, /checkout, /search)
 * @param lateShare      share of events whose timestamp lies further back than the allowed lateness
 * @param invalidShare   share of records that are not valid events (each kind of bad input in turn)
 * @param lateByMillis   how far back a late event is put, at least (the pipeline's allowed lateness)
 * @param seed           the same seed gives the same sequence of events
 */
public record GeneratorSpec(int users, int pages, double lateShare, double invalidShare, long lateByMillis,
    long seed) {

  public GeneratorSpec {
    if (users < 1) {
      throw new IllegalArgumentException("users must be >= 1");
    }
    if (pages < 1) {
      throw new IllegalArgumentException("pages must be >= 1");
    }
    if (lateShare < 0 || lateShare > 1 || invalidShare < 0 || invalidShare > 1 || lateShare + invalidShare > 1) {
      throw new IllegalArgumentException("late and invalid shares must be in [0, 1] and add up to at most 1");
    }
  }
}
