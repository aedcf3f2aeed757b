/**
 * Stopping on SIGTERM and SIGINT, and quoting for the commands `egw` prints. A supervisor
 * (systemd, a container runtime, npm) sends SIGTERM: the servers close, in-flight requests
 * finish, and the process exits 0, so the next start finds the port free.
 */

/**
 * Calls `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 if stopping failed).
 * A second signal while stopping exits at once.
 * @example
 * onStopSignal(() => server.close());
 */
export function onStopSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\n${signal}: stopping…\n`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** A word as POSIX sh reads it back: left bare when safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
