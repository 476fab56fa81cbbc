/**
 * Graceful shutdown: on SIGTERM or SIGINT stop accepting, let in-flight
 * requests and jobs finish (app.close), close pools, then exit. A second
 * signal exits at once.
 */
export function onShutdownSignal(close: () => Promise<void>): void {
  let closing = false;
  const handle = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    process.stderr.write(`${signal} received: finishing in-flight work and shutting down\n`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
}
