/**
 * Group commit: `record(item)` resolves once `commit` has run for a batch
 * holding `item`. The first item commits at once, alone; items recorded
 * while a commit runs wait for it and then commit together, up to `maxBatch`
 * at a time. A failed commit rejects every item of its batch (each caller
 * retries as it would have alone); later batches go on.
 */
export class CommitBatcher<T> {
  private pending: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  private running = false;

  constructor(
    private readonly commit: (batch: readonly T[]) => Promise<void>,
    private readonly maxBatch = 100,
  ) {}

  record(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        await this.commit(batch.map(({ item }) => item));
        for (const { resolve } of batch) resolve();
      } catch (error) {
        for (const { reject } of batch) reject(error);
      }
    }
    this.running = false;
  }
}
