import { type Command, Option } from 'commander';
import { openCore } from '../server/app.ts';
import { campaignReport, reportCsv, sendCampaign } from '../server/modules/campaigns/index.ts';
import { loadConfig } from '../server/platform/config.ts';
import { action, positiveInt, print } from './run.ts';

const CLI_ACTOR = { type: 'system' as const, id: null, label: 'cli', ip: null };

/** Opens the database, runs `fn` with what campaign services need, closes. */
async function withCampaigns<T>(fn: (ctx: Parameters<typeof sendCampaign>[0] & Parameters<typeof campaignReport>[0]) => Promise<T>) {
  const config = loadConfig();
  const core = await openCore(config);
  try {
    return await fn({ db: core.dbHandle.db, config, clock: { now: () => new Date() } });
  } finally {
    await core.dbHandle.close();
  }
}

export function registerCampaignCommands(program: Command) {
  const campaign = program.command('campaign').description('Campaigns: send one, report on one');
  campaign
    .command('send')
    .description('Send a draft campaign (now, or at its scheduled time); the workers of `patron serve` or `patron worker` send it')
    .argument('<id>', 'campaign id', positiveInt)
    .action(
      action(async (id: number) => {
        const c = await withCampaigns((ctx) => sendCampaign(ctx, id, CLI_ACTOR));
        print(`Campaign ${c.id} "${c.name}" is ${c.status}; sending starts at ${c.sendAt}.`);
      }),
    );
  campaign
    .command('report')
    .description("A campaign's figures: JSON (the whole report) or CSV (the campaign, each variant, each channel)")
    .argument('<id>', 'campaign id', positiveInt)
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('json'))
    .action(
      action(async (id: number, opts: { format: 'csv' | 'json' }) => {
        const report = await withCampaigns((ctx) => campaignReport(ctx, id));
        process.stdout.write(opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : reportCsv(report));
      }),
    );
}
