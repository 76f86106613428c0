import { Command } from 'commander';
import { PATRON_VERSION } from '../server/app.ts';
import { registerAdminCommands } from './admin.commands.ts';
import { registerAnalyticsCommands } from './analytics.commands.ts';
import { registerCampaignCommands } from './campaign.commands.ts';
import { registerDataCommands } from './data.commands.ts';
import { registerImportCommands } from './import.commands.ts';
import { registerServerCommands } from './server.commands.ts';

const program = new Command()
  .name('patron')
  .description('Patron — open-source e-commerce CRM')
  .version(PATRON_VERSION)
  .showHelpAfterError();

registerServerCommands(program);
registerAdminCommands(program);
registerDataCommands(program);
registerImportCommands(program);
registerAnalyticsCommands(program);
registerCampaignCommands(program);

await program.parseAsync(process.argv);
