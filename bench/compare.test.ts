import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareFigures, comparisonTable, previousFullRun } from './compare.ts';
import type { Figure } from './harness.ts';

const fig = (name: string, figure: number, unit: string): Figure => ({
  name,
  figure,
  unit,
  reference: null,
  referenceUnit: '',
  ratio: null,
});

describe('benchmark comparison', () => {
  it('flags a change of more than 20% the wrong way: slower times, lower rates', () => {
    const before = [fig('profile p99', 100, 'ms'), fig('ingest', 20_000, 'events/s'), fig('list', 50, 'ms'), fig('gone', 1, 'ms')];
    const now = [fig('profile p99', 125, 'ms'), fig('ingest', 15_000, 'events/s'), fig('list', 20, 'ms'), fig('new', 5, 'ms')];
    const changes = compareFigures(before, now);
    expect(changes.map((c) => [c.name, Math.round(c.change * 100), c.regression])).toEqual([
      ['profile p99', 25, true],
      ['ingest', -25, true],
      ['list', -60, false],
    ]);
    expect(comparisonTable('x.json', changes)).toContain('| profile p99 | 100 ms | 125 ms | +25% | **regression** |');
  });

  it('leaves out a figure one of the runs did not measure (null in its file, NaN in the run)', () => {
    const stored = { ...fig('drain', 0, 'ms'), figure: null } as unknown as Figure;
    const before = [stored, fig('lag', 100, 'ms')];
    const now = [fig('drain', 500, 'ms'), fig('lag', Number.NaN, 'ms')];
    expect(compareFigures(before, now)).toEqual([]);
  });

  it('compares with the newest full run of the same scale and database, never a partial or reused one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patron-bench-results-'));
    const write = (file: string, o: { reused?: boolean; only?: string[] | null; heading?: string }) =>
      writeFileSync(
        join(dir, file),
        JSON.stringify({ heading: file, scale: {}, db: 'postgres', reused: false, only: null, figures: [], ...o }),
      );
    write('2026-11-23-M-postgres.json', {});
    write('2026-11-30-M-postgres-abc1234.json', {});
    write('2026-12-01-M-postgres-def5678-reused.json', { reused: true });
    write('2026-12-02-M-postgres-def5678-only-messaging.json', { only: ['messaging'] });
    write('2026-12-03-S-postgres-def5678.json', {});
    // Written before results said what they were: only the name tells.
    write('2026-12-03-M-postgres-only-responsive.json', { only: undefined, reused: undefined });
    write('2026-12-03-M-postgres-reused-only-campaigns.json', { only: undefined, reused: undefined });
    write('2026-12-04-M-postgres-0000000.json', {});
    expect(previousFullRun(dir, 'M', 'postgres', '2026-12-04-M-postgres-0000000.json')?.file).toBe('2026-11-30-M-postgres-abc1234.json');
    // Two full runs of one day: the later by its heading's time, whatever its commit's name.
    write('2026-12-05-M-postgres-fff0000.json', {
      heading: 'Patron benchmark — scale M, postgres, 2026-12-05T08:00:00.000Z, commit fff0000',
    });
    write('2026-12-05-M-postgres-1110000.json', {
      heading: 'Patron benchmark — scale M, postgres, 2026-12-05T11:00:00.000Z, commit 1110000',
    });
    expect(previousFullRun(dir, 'M', 'postgres', 'none')?.file).toBe('2026-12-05-M-postgres-1110000.json');
    expect(previousFullRun(dir, 'L', 'postgres', 'none')).toBeNull();
  });
});
