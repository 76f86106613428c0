import { describe, expect, it } from 'vitest';
import { sharedResult } from './shared-result.ts';

describe('sharedResult', () => {
  it('computes once for concurrent and recent callers, again after the ttl or a failure', async () => {
    const shared = sharedResult<number>(1000);
    let runs = 0;
    const compute = async () => ++runs;
    expect(await Promise.all([shared('a', 0, compute), shared('a', 10, compute)])).toEqual([1, 1]);
    expect(await shared('a', 999, compute)).toBe(1);
    expect(await shared('b', 999, compute)).toBe(2);
    expect(await shared('a', 1000, compute)).toBe(3);
    await expect(shared('c', 0, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await shared('c', 1, compute)).toBe(4);
  });
});
