import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure } from './harness.ts';

/** A stored result file (bench/results/*.json), as run.ts writes it. */
type Result = { heading: string; scale: unknown; db: string; reused: boolean; only: string[] | null; commit?: string; figures: Figure[] };

/** Lower is better for times and sizes; higher for rates (anything "per second"). */
const lowerIsBetter = (unit: string) => !unit.includes('/s');

/** Changes beyond this share of the previous figure, the wrong way, are called regressions. */
export const REGRESSION = 0.2;

export type Change = { name: string; before: number; after: number; unit: string; change: number; regression: boolean };

/** Each figure of `now` beside the same-named figure of `before`, with its relative change and whether it regressed. */
export function compareFigures(before: readonly Figure[], now: readonly Figure[]): Change[] {
  const old = new Map(before.map((f) => [f.name, f]));
  return now.flatMap((f) => {
    const b = old.get(f.name);
    // A figure not measured is stored as null (NaN in the run that did not measure it).
    if (!b || b.unit !== f.unit || !Number.isFinite(b.figure) || !Number.isFinite(f.figure) || b.figure === 0) return [];
    const change = (f.figure - b.figure) / b.figure;
    const worse = lowerIsBetter(f.unit) ? change : -change;
    return [{ name: f.name, before: b.figure, after: f.figure, unit: f.unit, change, regression: worse > REGRESSION }];
  });
}

/** When a stored run started: the time its heading states, else the day its file name begins with. */
const runTime = (file: string, result: Result) =>
  Date.parse(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/.exec(result.heading)?.[0] ?? '') || Date.parse(file.slice(0, 10));

/**
 * The newest full run (not reused, not `--only`) of this scale and database among the stored results, other than
 * `except`: by the time its heading states, since two runs of a day are named by their commits, in no order.
 */
export function previousFullRun(dir: string, scale: string, db: string, except: string): { file: string; result: Result } | null {
  let newest: { file: string; result: Result; at: number } | null = null;
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.json') || file === except || !file.includes(`-${scale}-${db}`)) continue;
    const result = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Result;
    // Files written before results said so name a partial or reused run only in their name.
    if (result.reused || result.only || /-(only|reused)-|-reused\.json$/.test(file)) continue;
    const at = runTime(file, result);
    if (!newest || at > newest.at) newest = { file, result, at };
  }
  return newest && { file: newest.file, result: newest.result };
}

/** The comparison as a Markdown table, regressions marked. */
export function comparisonTable(file: string, changes: readonly Change[]): string {
  const pct = (x: number) => `${x > 0 ? '+' : ''}${Math.round(x * 100)}%`;
  return [
    `Compared with ${file} (a change of more than ${Math.round(REGRESSION * 100)}% the wrong way is a regression):`,
    '',
    '| workload | before | now | change | |',
    '|---|---|---|---|---|',
    ...changes.map(
      (c) => `| ${c.name} | ${c.before} ${c.unit} | ${c.after} ${c.unit} | ${pct(c.change)} | ${c.regression ? '**regression**' : ''} |`,
    ),
  ].join('\n');
}
