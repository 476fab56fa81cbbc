import { sweepStaleTestDatabases } from './test-database';

export default async function globalSetup(): Promise<void> {
  const swept = await sweepStaleTestDatabases();
  if (swept.length > 0) process.stdout.write(`\nSwept ${swept.length} stale test database(s)\n`);
}
