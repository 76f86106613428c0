import { readFileSync, writeFileSync } from 'node:fs';
import { Argument, type Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { openCore } from '../server/app.ts';
import { importErrorRows, parseMapArg, runImport, undoImport } from '../server/modules/ingest/index.ts';
import { storeSettingsOf } from '../server/modules/system/index.ts';
import { loadConfig } from '../server/platform/config.ts';
import { action, print, progressBar } from './run.ts';

type ImportCliOptions = { map?: string; mapping?: string; channel?: string; dateFormat?: string; timezone?: string; currency?: string };

export function registerImportCommands(program: Command) {
  program
    .command('import')
    .description('Import a CSV file of customers, orders (one row per order line), products or behaviour events; or undo an import')
    .addArgument(new Argument('<kind>', 'what the file holds').choices(['customers', 'orders', 'products', 'events', 'undo']))
    .argument('<file>', 'the CSV file (for undo: the import id)')
    .option('--map <pairs>', 'target=SourceColumn,… (merged over the mapping suggested from the header)')
    .option('--mapping <file.json>', 'a JSON object of target → SourceColumn')
    .option('--channel <code>', 'sales channel of the rows', 'import')
    .option('--date-format <fmt>', 'e.g. "M/D/YYYY H:mm" (default: ISO or YYYY-MM-DD HH:mm:ss)')
    .option('--timezone <tz>', 'time zone of dates without an offset (default: the store’s)')
    .option('--currency <cur>', 'currency of amounts without one (default: the store’s)')
    .action(
      action(async (kind: 'customers' | 'orders' | 'products' | 'events' | 'undo', file: string, opts: ImportCliOptions) => {
        const config = loadConfig();
        const core = await openCore(config);
        try {
          if (kind === 'undo') {
            const r = await undoImport(core.dbHandle.db, { id: Number(file), actor: { type: 'system', id: null, label: 'cli', ip: null }, now: new Date() });
            print(`Import ${file} undone: ${r.orders} orders, ${r.events} events, ${r.customers} customers and ${r.products} products removed, ${r.refunds} refunds reversed; ${r.keptCustomers} customers kept (used elsewhere).`);
            return;
          }
          const store = await storeSettingsOf({ db: core.dbHandle.db, config });
          const mapping = { ...(opts.mapping ? (JSON.parse(readFileSync(opts.mapping, 'utf8')) as Record<string, string>) : {}), ...(opts.map ? parseMapArg(opts.map) : {}) };
          const bar = progressBar(`Importing ${kind}`);
          const summary = await runImport(core.dbHandle.db, core.keyring, {
            kind,
            file,
            mapping,
            channel: opts.channel,
            dateFormat: opts.dateFormat,
            timeZone: opts.timezone ?? store.timeZone,
            currency: (opts.currency ?? store.currency).toUpperCase(),
            now: () => new Date(),
            onProgress: (bytes, total, rows) => bar.update(bytes, total, `${rows} rows`),
          });
          bar.stop();
          if (summary.alreadyImported) print(`This file was already imported (import ${summary.id}); nothing changed.`);
          print(`Import ${summary.id}: ${summary.rows} rows — ${summary.created} created, ${summary.updated} updated, ${summary.skipped} skipped, ${summary.failed} failed.`);
          if (summary.resumedFrom > 0) print(`Resumed after row ${summary.resumedFrom}.`);
          const errors = await importErrorRows(core.dbHandle.db, summary.id);
          if (errors.length > 0) {
            const out = `${file}.errors.csv`;
            writeFileSync(out, stringify(errors.map((e) => ({ row: e.row_number, column: e.column_name ?? '', reason: e.reason, data: JSON.stringify(e.raw) })), { header: true, bom: true }));
            print(`Rejected rows and reasons: ${out}`);
          }
        } finally {
          await core.dbHandle.close();
        }
      }),
    );
}
