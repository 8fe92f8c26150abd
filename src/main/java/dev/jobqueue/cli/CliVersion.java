package dev.jobqueue.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the jar's {@code Implementation-Version}, or {@code dev} outside the jar. */
final class CliVersion implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = JobQueueCli.class.getPackage().getImplementationVersion();
    return new String[] {"jobqueue " + (version == null ? "dev" : version)};
  }
}
