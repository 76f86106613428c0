import { readFileSync, writeFileSync } from 'node:fs';
import { Argument, type Command, Option } from 'commander';
import { openCore } from '../server/app.ts';
import { patronComposition } from '../server/modules.ts';
import {
  ENCODINGS,
  type Encoding,
  hasRejected,
  parseMapArg,
  rejectedRowsCsv,
  runImport,
  undoImport,
} from '../server/modules/ingest/index.ts';
import { storeSettingsOf } from '../server/modules/system/index.ts';
import { loadConfig } from '../server/platform/config.ts';
import { action, print, progressBar } from './run.ts';

type ImportCliOptions = {
  map?: string;
  mapping?: string;
  channel?: string;
  dateFormat?: string;
  timezone?: string;
  currency?: string;
  encoding?: Encoding;
  returnsPrefix?: string;
  updateExisting?: boolean;
  keep?: string;
};

const CLI_ACTOR = { type: 'system' as const, id: null, label: 'cli', ip: null };
/** The rejected-rows file's language: the shell's (LANG=zh_CN… → Chinese), English otherwise. */
const cliLanguage = () => (/^zh/i.test(process.env.LANG ?? '') ? ('zh-CN' as const) : ('en' as const));

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
    .addOption(
      new Option('--encoding <enc>', 'the file’s text encoding (default: detected — BOM, UTF-8, else GB18030)').choices([...ENCODINGS]),
    )
    .option('--returns-prefix <prefix>', 'orders: an order id starting with this prefix and a digit is a return (e.g. C)')
    .option('--update-existing', 'change non-empty fields of existing customers (default: only fill empty ones)')
    .option('--keep <pairs>', 'unmapped columns kept as custom attributes: Column=attribute_key,…')
    .action(
      action(async (kind: 'customers' | 'orders' | 'products' | 'events' | 'undo', file: string, opts: ImportCliOptions) => {
        const config = loadConfig();
        const core = await openCore(config);
        try {
          if (kind === 'undo') {
            const r = await undoImport(core.dbHandle.db, {
              id: Number(file),
              actor: CLI_ACTOR,
              now: new Date(),
              data: patronComposition.registry.customerData,
            });
            print(
              `Import ${file} undone: ${r.orders} orders, ${r.events} events, ${r.customers} customers and ${r.products} products removed, ${r.refunds} refunds reversed; ${r.keptCustomers} customers kept (used elsewhere).`,
            );
            return;
          }
          const store = await storeSettingsOf({ db: core.dbHandle.db, config });
          const mapping = {
            ...(opts.mapping ? (JSON.parse(readFileSync(opts.mapping, 'utf8')) as Record<string, string>) : {}),
            ...(opts.map ? parseMapArg(opts.map) : {}),
          };
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
            encoding: opts.encoding,
            returnsPrefix: opts.returnsPrefix,
            updateExisting: opts.updateExisting,
            attributes: opts.keep ? parseMapArg(opts.keep) : undefined,
            onProgress: (bytes, total, rows) => bar.update(bytes, total, `${rows} rows`),
          });
          bar.stop();
          if (summary.alreadyImported) print(`This file was already imported (import ${summary.id}); nothing changed.`);
          print(
            `Import ${summary.id}: ${summary.rows} rows — ${summary.created} created, ${summary.updated} updated, ${summary.skipped} skipped, ${summary.failed} failed (read as ${summary.encoding}; ${summary.status}).`,
          );
          if (summary.unlinkedReturns > 0)
            print(`${summary.unlinkedReturns} returned items of purchases before this file were refunded against their buyers.`);
          if (summary.resumedFrom > 0) print(`Resumed after row ${summary.resumedFrom}.`);
          if (summary.failed > 0 || (await hasRejected(core.dbHandle.db, summary.id))) {
            const out = `${file}.errors.csv`;
            // The operator reads the data directory itself: the rejected rows unmasked, to fix and import again (audited).
            writeFileSync(
              out,
              await rejectedRowsCsv(core.dbHandle.db, core.keyring, summary.id, {
                reveal: true,
                language: cliLanguage(),
                actor: CLI_ACTOR,
              }),
            );
            print(`Rejected rows and reasons: ${out}`);
          }
        } finally {
          await core.dbHandle.close();
        }
      }),
    );
}
