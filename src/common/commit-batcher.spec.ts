import { CommitBatcher } from './commit-batcher';

/** A commit that runs only when the test lets it. */
function controlledCommit() {
  const batches: string[][] = [];
  const gates: Array<{ release: () => void; fail: (error: Error) => void }> = [];
  const commit = (batch: readonly string[]) => {
    batches.push([...batch]);
    return new Promise<void>((resolve, reject) => gates.push({ release: resolve, fail: reject }));
  };
  return { batches, gates, commit };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('CommitBatcher', () => {
  it('commits the first item alone, and what arrives meanwhile together', async () => {
    const { batches, gates, commit } = controlledCommit();
    const batcher = new CommitBatcher(commit);
    const first = batcher.record('a');
    const rest = ['b', 'c', 'd'].map((item) => batcher.record(item));
    await settled();
    expect(batches).toEqual([['a']]);
    gates[0]?.release();
    await first;
    await settled();
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    gates[1]?.release();
    await Promise.all(rest);
  });

  it('resolves an item only once its batch has committed', async () => {
    const { gates, commit } = controlledCommit();
    const batcher = new CommitBatcher(commit);
    let done = false;
    const recorded = batcher.record('a').then(() => (done = true));
    await settled();
    expect(done).toBe(false);
    gates[0]?.release();
    await recorded;
    expect(done).toBe(true);
  });

  it('rejects every item of a failed batch, and goes on with the next', async () => {
    const { batches, gates, commit } = controlledCommit();
    const batcher = new CommitBatcher(commit);
    const first = batcher.record('a');
    const second = [batcher.record('b'), batcher.record('c')];
    await settled();
    gates[0]?.release();
    await first;
    await settled();
    gates[1]?.fail(new Error('database gone'));
    await expect(second[0]).rejects.toThrow('database gone');
    await expect(second[1]).rejects.toThrow('database gone');
    const later = batcher.record('d');
    await settled();
    expect(batches.at(-1)).toEqual(['d']);
    gates[2]?.release();
    await later;
  });

  it('commits at most maxBatch items at a time', async () => {
    const { batches, gates, commit } = controlledCommit();
    const batcher = new CommitBatcher(commit, 2);
    const all = ['a', 'b', 'c', 'd', 'e'].map((item) => batcher.record(item));
    for (let i = 0; i < 4; i++) {
      await settled();
      gates[i]?.release();
    }
    await Promise.all(all);
    expect(batches).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });
});
