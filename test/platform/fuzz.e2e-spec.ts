import { formatReport, type FuzzReport, runFuzz } from '../fuzz/fuzz-harness';
import { startFuzzApp } from '../fuzz/fuzz-app';
import type { TestApp } from '../support/test-app';

/**
 * A seed-fixed sample of the schema-driven fuzz (`npm run fuzz` sends the full
 * run): every operation of the served OpenAPI document, every role, anonymous
 * and an API key; never a 5xx, every error a problem document, nothing changed
 * by a 4xx.
 */
describe('Every operation under generated input (OpenAPI-driven fuzz)', () => {
  let t: TestApp;
  let report: FuzzReport;

  beforeAll(async () => {
    t = await startFuzzApp();
    report = await runFuzz(t, { count: 1_600, seed: 20261204 });
  }, 600_000);
  afterAll(() => t?.close());

  it('reaches every operation', () => {
    expect(report.operationsCovered).toBe(report.operations);
    expect(report.sent).toBeGreaterThanOrEqual(1_600);
  });

  it('never answers 5xx, always answers errors with a problem document, and changes nothing on a 4xx', () => {
    expect(report.violations.length === 0 ? '' : formatReport(report)).toBe('');
    expect(report.serverErrors).toBe(0);
    expect(report.changedBy4xx).toBe(0);
  });

  it('would see a change: successful requests did change data, and refusals were answered too', () => {
    expect(report.changedBy2xx).toBeGreaterThan(10);
    expect(report.byStatus['403']).toBeGreaterThan(0);
    expect(report.byStatus['400']).toBeGreaterThan(0);
  });
});
