package dev.pulse.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one runnable jar: {@code run} a node, {@code produce} synthetic events, {@code query} the lake, {@code verify}
 * PostgreSQL against the lake.
 */
@Command(name = "pulse", mixinStandardHelpOptions = true, version = "Pulse 0.1.0",
    description = "Real-time clickstream analytics on a Vert.x cluster.",
    subcommands = {RunCommand.class, ProduceCommand.class, QueryCommand.class, VerifyCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
