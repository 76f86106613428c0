import type { Command } from 'commander';
import { Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { spreadsheetSafe } from '../server/platform/csv-safe.ts';
import { sql } from 'kysely';
import { openCore } from '../server/app.ts';
import type { Db } from '../server/db/index.ts';
import { type Period, clvSummaries, computeRfm, fitSummaries, predict, recomputeAll } from '../server/modules/analytics/index.ts';
import { rebuildActivity, refreshAllSegments } from '../server/modules/segments/index.ts';
import { storeSettingsOf } from '../server/modules/system/index.ts';
import { todayIn } from '../server/platform/clock.ts';
import { loadConfig } from '../server/platform/config.ts';
import { action, positiveInt, print } from './run.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const checkDate = (value: string | undefined) => {
  if (value && !DATE.test(value)) throw new Error(`Not a date (YYYY-MM-DD): ${value}`);
};
const formatOption = () => new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv');
const periodOption = () => new Option('--period <period>', 'time unit of the model').choices(['day', 'week']).default('week');
const write = (rows: Record<string, unknown>[], format: 'csv' | 'json') =>
  process.stdout.write(
    format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : stringify(rows, { header: true, cast: { string: spreadsheetSafe } }),
  );

/** Opens the database with the store's time zone, runs `fn`, closes. */
async function withStore<T>(fn: (db: Db, store: { timeZone: string }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const core = await openCore(config);
  try {
    return await fn(core.dbHandle.db, await storeSettingsOf({ db: core.dbHandle.db, config }));
  } finally {
    await core.dbHandle.close();
  }
}

async function externalIds(db: Db, ids: number[]): Promise<Map<number, string>> {
  const rows = await sql<{ customer_id: number; ids: string }>`
    select customer_id, string_agg(channel || ':' || key, ';' order by channel, key) as ids from customer_identities
    where kind = 'external' and customer_id = any(${ids}::bigint[]) group by customer_id`.execute(db);
  return new Map(rows.rows.map((r) => [Number(r.customer_id), r.ids]));
}

async function fitFor(db: Db, opts: { until?: string; period: Period }, timeZone: string) {
  checkDate(opts.until);
  const until = opts.until ?? todayIn(timeZone, new Date());
  const summaries = await clvSummaries(db, { until, period: opts.period, timeZone });
  const result = fitSummaries(summaries, { until, period: opts.period });
  if (result.status !== 'ready') {
    throw new Error(
      `Too little history to fit (${result.reason}): ${result.customers} buyers, ${result.repeatCustomers} repeat buyers up to ${until}.`,
    );
  }
  return { summaries, fit: result.fit };
}

export function registerAnalyticsCommands(program: Command) {
  const analytics = program.command('analytics').description('Customer analytics');
  analytics
    .command('rfm')
    .description('RFM per customer: recency_days, frequency, monetary, 1–5 scores and group')
    .option('--as-of <date>', 'last day of the window, YYYY-MM-DD (default: today in the store time zone)')
    .option('--window <days>', 'window length in days', positiveInt, 365)
    .addOption(formatOption())
    .action(
      action(async (opts: { asOf?: string; window: number; format: 'csv' | 'json' }) => {
        checkDate(opts.asOf);
        await withStore(async (db, store) => {
          const rows = await computeRfm(db, {
            asOf: opts.asOf ?? todayIn(store.timeZone, new Date()),
            windowDays: opts.window,
            timeZone: store.timeZone,
          });
          const out = rows.map((r) => ({
            customer_id: r.customerId,
            external_ids: r.externalIds.join(';'),
            recency_days: r.recencyDays,
            frequency: r.frequency,
            monetary: r.monetary,
            r: r.r,
            f: r.f,
            m: r.m,
            group: r.group,
          }));
          write(out, opts.format);
        });
      }),
    );
  analytics
    .command('fit')
    .description('Fit BG/NBD and Gamma-Gamma by maximum likelihood on paid orders up to a cutoff')
    .option('--until <date>', 'calibration cutoff, YYYY-MM-DD (default: today in the store time zone)')
    .addOption(periodOption())
    .option('--json', 'print the fit as JSON')
    .action(
      action(async (opts: { until?: string; period: Period; json?: boolean }) => {
        await withStore(async (db, store) => {
          const { fit } = await fitFor(db, opts, store.timeZone);
          const { customers, repeatCustomers, bgnbd, gammaGamma } = fit;
          if (opts.json) return print(JSON.stringify({ customers, repeatCustomers, bgnbd, gammaGamma }));
          print(`Customers ${customers}, repeat customers ${repeatCustomers} (period: ${opts.period}, until ${fit.until})`);
          print(
            `BG/NBD      r=${bgnbd.r.toFixed(4)} alpha=${bgnbd.alpha.toFixed(4)} a=${bgnbd.a.toFixed(4)} b=${bgnbd.b.toFixed(4)} logL=${bgnbd.logLikelihood.toFixed(2)}`,
          );
          print(
            `Gamma-Gamma p=${gammaGamma.p.toFixed(4)} q=${gammaGamma.q.toFixed(4)} gamma=${gammaGamma.gamma.toFixed(4)} logL=${gammaGamma.logLikelihood.toFixed(2)}`,
          );
        });
      }),
    );
  analytics
    .command('predict')
    .description('Per customer: x, t_x, T, P(alive), expected purchases over the horizon, expected average value and CLV')
    .option('--until <date>', 'calibration cutoff, YYYY-MM-DD (default: today in the store time zone)')
    .addOption(periodOption())
    .option('--horizon <n>', 'periods ahead (default: 52 weeks or 365 days)', positiveInt)
    .addOption(formatOption())
    .action(
      action(async (opts: { until?: string; period: Period; horizon?: number; format: 'csv' | 'json' }) => {
        await withStore(async (db, store) => {
          const { summaries, fit } = await fitFor(db, opts, store.timeZone);
          const horizon = opts.horizon ?? (opts.period === 'week' ? 52 : 365);
          const ext = await externalIds(
            db,
            summaries.map((s) => s.customerId),
          );
          const rows = summaries
            .sort((a, b) => a.customerId - b.customerId)
            .map((s) => {
              const p = predict(fit, s, horizon);
              return {
                customer_id: s.customerId,
                external_ids: ext.get(s.customerId) ?? '',
                x: s.x,
                t_x: s.tx,
                T: s.T,
                p_alive: p.pAlive,
                expected_purchases: p.expectedPurchases,
                expected_avg_value: p.expectedAvgValue,
                clv: p.clv,
              };
            });
          write(rows, opts.format);
        });
      }),
    );
  analytics
    .command('recompute')
    .description('Recompute every customer’s metrics, RFM, lifecycle stage and predictions, then every segment')
    .option('--activity', 'first rebuild every customer’s segment activity (newest order and event times) from their rows', false)
    .action(
      action(async (opts: { activity: boolean }) => {
        await withStore(async (db, store) => {
          const clock = { now: new Date(), timeZone: store.timeZone };
          if (opts.activity) print(`Rebuilt ${await rebuildActivity(db)} segment activity rows.`);
          const result = await recomputeAll(db, clock);
          const segments = await refreshAllSegments(db, clock);
          print(
            `Recomputed ${result.customers} customers (CLV: ${result.clv.status}${result.clv.reason ? `, ${result.clv.reason}` : ''}) and ${segments} segments.`,
          );
          print(
            `Timings (ms): ${Object.entries(result.timings)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
          );
        });
      }),
    );
}
