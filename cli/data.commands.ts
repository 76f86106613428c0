import type { Command } from 'commander';
import { openCore, openDatabase } from '../server/app.ts';
import { backupToFile, restoreAndUpgrade } from '../server/db/index.ts';
import { seedDemo, seedDemoInsights } from '../server/modules/demo/index.ts';
import { storeSettingsOf } from '../server/modules/system/index.ts';
import { loadConfig } from '../server/platform/config.ts';
import { createLogger } from '../server/platform/logger.ts';
import { action, positiveInt, print, progressBar } from './run.ts';

const parseDate = (value: string): Date => {
  const d = new Date(`${value}T23:59:59Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(d.getTime())) throw new Error(`Not a date (YYYY-MM-DD): ${value}`);
  return d;
};

export function registerDataCommands(program: Command) {
  program
    .command('seed')
    .description('Build the deterministic demo store (only into a database without customers)')
    .option('--demo', 'the demo store (the only seed there is)', true)
    .option('--customers <n>', 'number of customers', positiveInt, 5000)
    .option('--avg-orders <n>', 'average orders per buying customer over two years', positiveInt, 3)
    .option('--seed <n>', 'random seed', positiveInt, 42)
    .option('--as-of <date>', 'last day of the generated history (YYYY-MM-DD; default today)')
    .action(
      action(async (opts: { customers: number; avgOrders: number; seed: number; asOf?: string }) => {
        const config = loadConfig();
        const core = await openCore(config);
        const bar = progressBar('Seeding');
        try {
          const result = await seedDemo(core.dbHandle.db, core.keyring, {
            customers: opts.customers,
            avgOrders: opts.avgOrders,
            seed: opts.seed,
            asOf: opts.asOf ? parseDate(opts.asOf) : undefined,
            onProgress: (done, total) => bar.update(done, total, 'customers'),
          });
          bar.stop();
          if (result.skipped) print('The database already has customers; nothing seeded.');
          else {
            const insights = await seedDemoInsights(core.dbHandle.db, {
              now: opts.asOf ? parseDate(opts.asOf) : new Date(),
              timeZone: (await storeSettingsOf({ db: core.dbHandle.db, config })).timeZone,
            });
            print(
              `Seeded ${result.customers} customers, ${result.orders} orders, ${result.events} events, ${insights.segments} example segments.`,
            );
          }
        } finally {
          bar.stop();
          await core.dbHandle.close();
        }
      }),
    );

  program
    .command('backup')
    .argument('<file>', 'where to write the backup (.jsonl.gz)')
    .description('Write a logical backup of all data to one file')
    .action(
      action(async (file: string) => {
        const dbHandle = await openDatabase(loadConfig(), createLogger('warn'));
        const bar = progressBar('Backing up');
        try {
          await backupToFile(dbHandle.db, file, (table, rows) => bar.update(rows, rows, table));
          bar.stop();
          print(`Backup written to ${file}.`);
        } finally {
          bar.stop();
          await dbHandle.close();
        }
      }),
    );

  program
    .command('restore')
    .argument('<file>', 'a file written by patron backup')
    .description('Restore a backup into a fresh database (same master key as the backup); one of an older version is upgraded after')
    .action(
      action(async (file: string) => {
        const dbHandle = await openDatabase(loadConfig(), createLogger('warn'), { migrate: false });
        const bar = progressBar('Restoring');
        try {
          const { counts, upgradedBy } = await restoreAndUpgrade(dbHandle.db, file, (table, rows) => bar.update(rows, rows, table));
          bar.stop();
          const total = Object.values(counts).reduce((a, b) => a + b, 0);
          print(`Restored ${total} rows in ${Object.keys(counts).length} tables.`);
          if (upgradedBy.length > 0) print(`Upgraded by ${upgradedBy.length} migrations: ${upgradedBy.join(', ')}.`);
        } finally {
          bar.stop();
          await dbHandle.close();
        }
      }),
    );
}
