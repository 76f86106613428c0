import type { Command } from 'commander';
import { Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { openCore } from '../server/app.ts';
import { computeRfm } from '../server/modules/analytics/index.ts';
import { todayIn } from '../server/platform/clock.ts';
import { storeSettingsOf } from '../server/modules/system/index.ts';
import { loadConfig } from '../server/platform/config.ts';
import { action, positiveInt } from './run.ts';

export function registerAnalyticsCommands(program: Command) {
  const analytics = program.command('analytics').description('Customer analytics');
  analytics
    .command('rfm')
    .description('RFM per customer: recency_days, frequency, monetary, 1–5 scores and group')
    .option('--as-of <date>', 'last day of the window, YYYY-MM-DD (default: today in the store time zone)')
    .option('--window <days>', 'window length in days', positiveInt, 365)
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .action(
      action(async (opts: { asOf?: string; window: number; format: 'csv' | 'json' }) => {
        if (opts.asOf && !/^\d{4}-\d{2}-\d{2}$/.test(opts.asOf)) throw new Error(`Not a date (YYYY-MM-DD): ${opts.asOf}`);
        const config = loadConfig();
        const core = await openCore(config);
        try {
          const store = await storeSettingsOf({ db: core.dbHandle.db, config });
          const rows = await computeRfm(core.dbHandle.db, { asOf: opts.asOf ?? todayIn(store.timeZone, new Date()), windowDays: opts.window, timeZone: store.timeZone });
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
          process.stdout.write(opts.format === 'json' ? `${JSON.stringify(out, null, 2)}\n` : stringify(out, { header: true }));
        } finally {
          await core.dbHandle.close();
        }
      }),
    );
}
