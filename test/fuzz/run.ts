/**
 * npm run fuzz: the full schema-driven fuzz run against a real app on a test
 * database of its own (the CI suite sends a seed-fixed sample of it).
 *
 *   npm run fuzz                       12,000 requests, seed 1
 *   FUZZ_REQUESTS=50000 FUZZ_SEED=7 npm run fuzz
 *
 * Prints requests sent, 5xx count, problem+json conformance and every
 * violation; exits 1 when there is any. Figures: bench/README.md.
 */
import { formatReport, runFuzz } from './fuzz-harness';
import { startFuzzApp } from './fuzz-app';

async function main(): Promise<void> {
  const count = Number(process.env.FUZZ_REQUESTS ?? 12_000);
  const seed = Number(process.env.FUZZ_SEED ?? 1);
  const t = await startFuzzApp();
  try {
    const report = await runFuzz(t, { count, seed });
    process.stdout.write(`fuzz seed ${seed}\n${formatReport(report)}\n`);
    process.exitCode = report.violations.length === 0 ? 0 : 1;
  } finally {
    await t.close();
  }
}

void main();
