import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openDatabase, startPatron, startWorker } from '../server/app.ts';
import { pendingMigrations } from '../server/db/index.ts';
import { migrateQueue } from '../server/jobs/index.ts';
import {
  seedDemo,
  seedDemoInsights,
  seedDemoLoyalty,
  seedDemoAfterSales,
  seedDemoMessages,
  seedDemoService,
  seedDemoSurveys,
} from '../server/modules/demo/index.ts';
import { installLibrary } from '../server/modules/journeys/index.ts';
import { storeSettingsOf } from '../server/modules/system/index.ts';
import { loadConfig } from '../server/platform/config.ts';
import { createLogger } from '../server/platform/logger.ts';
import { action, positiveInt, print, progressBar } from './run.ts';

const isFreshDataDir = (dir: string) => !existsSync(join(dir, 'pgdata')) || readdirSync(join(dir, 'pgdata')).length === 0;

function onShutdown(close: () => Promise<void>) {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

export function registerServerCommands(program: Command) {
  program
    .command('serve')
    .description('Run the API, web admin and (unless PATRON_WORKERS=off) background workers')
    .option('--port <port>', 'port to listen on (default: $PORT or 3000)', positiveInt)
    .option('--no-demo', 'do not build the demo store on a fresh embedded database')
    .option('--demo-customers <n>', 'customers in the demo store', positiveInt, 5000)
    .action(
      action(async (opts: { port?: number; demo: boolean; demoCustomers: number }) => {
        const config = loadConfig(process.env, opts.port !== undefined ? { port: opts.port } : {});
        const fresh = !config.databaseUrl && isFreshDataDir(config.dataDir);
        const patron = await startPatron({ config });
        onShutdown(() => patron.close());
        if (patron.owner.created) {
          print(`Owner account: ${patron.owner.email}`);
          if (patron.owner.password) print(`One-time password (change it after signing in): ${patron.owner.password}`);
        }
        if (fresh && opts.demo) {
          const bar = progressBar('Building the demo store');
          const result = await seedDemo(patron.ctx.db, patron.ctx.keyring, {
            customers: opts.demoCustomers,
            onProgress: (done, total) => bar.update(done, total, 'customers'),
          });
          bar.stop();
          const store = await storeSettingsOf(patron.ctx);
          const insights = await seedDemoInsights(patron.ctx.db, { now: new Date(), timeZone: store.timeZone });
          const reminders = await seedDemoMessages(patron.ctx.db, { now: new Date(), timeZone: store.timeZone, currency: store.currency });
          const journeys = await installLibrary(patron.ctx, { type: 'system', id: null, label: 'demo store', ip: null });
          const awarded = await seedDemoLoyalty(patron.ctx);
          const tickets = await seedDemoService(patron.ctx);
          const afterSales = await seedDemoAfterSales(patron.ctx);
          const answers = await seedDemoSurveys(patron.ctx);
          print(
            `Demo store: ${result.customers} customers, ${result.orders} orders, ${result.events} events, ${insights.segments} example segments, ${reminders} payment reminders in the sandbox, ${journeys} shipped journeys (off until switched on), a loyalty programme open on ${awarded} paid orders, ${tickets} service tickets, ${afterSales.articles} help-centre articles and ${afterSales.returns} returns, an NPS survey with ${answers} answers.`,
          );
        }
        const address = await patron.http.listen({ port: config.port, host: config.host });
        print(`Patron is running at ${address.replace('0.0.0.0', 'localhost')} (API docs: /api/docs)`);
        // Again where the reader looks once the server answers (the demo store's progress came between).
        if (patron.owner.created && patron.owner.password)
          print(`Sign in as ${patron.owner.email} with the one-time password ${patron.owner.password}`);
      }),
    );

  program
    .command('worker')
    .description('Run background workers only, against the PostgreSQL in DATABASE_URL')
    .action(
      action(async () => {
        const config = loadConfig();
        if (!config.databaseUrl) throw new Error('patron worker needs DATABASE_URL: the embedded database serves one process.');
        const worker = await startWorker(config);
        onShutdown(() => worker.close());
        print(`Worker running ${worker.jobTypes} job types.`);
      }),
    );

  program
    .command('migrate')
    .description('Apply pending database migrations (also done on every start)')
    .option('--dry-run', 'list the migrations that would run, and change nothing')
    .action(
      action(async (opts: { dryRun?: boolean }) => {
        const config = loadConfig();
        const log = createLogger('info');
        if (opts.dryRun) {
          const raw = await openDatabase(config, log, { migrate: false });
          const pending = await pendingMigrations(raw.db);
          await raw.close();
          print(pending.length === 0 ? 'Database is up to date.' : `Would apply ${pending.length}:\n${pending.join('\n')}`);
          return;
        }
        const dbHandle = await openDatabase(config, log);
        await migrateQueue(dbHandle.executeSql);
        await dbHandle.close();
        print('Database is up to date.');
      }),
    );
}
