import type { Command } from 'commander';
import type { Permission, Role } from '../contracts/permissions.ts';
import { openCore } from '../server/app.ts';
import { allEncryptedColumns } from '../server/modules.ts';
import { createApiKey, createUser } from '../server/modules/auth/index.ts';
import { createSource } from '../server/modules/tracking/index.ts';
import { loadConfig } from '../server/platform/config.ts';
import { parseMasterKey } from '../server/platform/crypto.ts';
import { rotateKey } from '../server/platform/keyring.ts';
import { action, positiveInt, print, progressBar, roleOption } from './run.ts';

const CLI_ACTOR = { type: 'system' as const, id: null, label: 'cli', ip: null };

export function registerAdminCommands(program: Command) {
  program
    .command('create-user')
    .description('Create a staff user (prints a one-time password when none is given)')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--name <name>', 'display name')
    .addOption(roleOption())
    .option('--password <password>', 'initial password (at least 10 characters)')
    .action(
      action(async (opts: { email: string; name: string; role: Role; password?: string }) => {
        const core = await openCore(loadConfig());
        try {
          const { user, temporaryPassword } = await createUser(core.dbHandle.db, { ...opts, actor: CLI_ACTOR, actorRole: null });
          print(`Created ${user.role} ${user.email} (id ${user.id}).`);
          if (temporaryPassword) print(`One-time password: ${temporaryPassword}`);
        } finally {
          await core.dbHandle.close();
        }
      }),
    );

  const apiKey = program.command('api-key').description('Manage API keys');
  apiKey
    .command('create')
    .description('Create an API key; the key is printed once and never stored in clear')
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(roleOption())
    .option('--scopes <list>', 'comma-separated permissions to restrict the key to')
    .action(
      action(async (opts: { name: string; role: Role; scopes?: string }) => {
        const core = await openCore(loadConfig());
        try {
          const scopes = opts.scopes?.split(',').map((s) => s.trim()) as Permission[] | undefined;
          const { apiKey: key, secret } = await createApiKey(core.dbHandle.db, {
            name: opts.name,
            role: opts.role,
            scopes,
            actor: CLI_ACTOR,
            actorRole: null,
            createdBy: null,
          });
          print(`Created API key ${key.prefix} (${key.role}). Store it now; it is not shown again:`);
          print(secret);
        } finally {
          await core.dbHandle.close();
        }
      }),
    );

  const source = program.command('source').description('Manage tracking sources (Segment-compatible write keys)');
  source
    .command('create')
    .argument('<name>', 'what sends the events (e.g. "web store")')
    .option('--channel <code>', 'sales channel code the events belong to', 'web')
    .description('Create a tracking source; the write key is printed once')
    .action(
      action(async (name: string, opts: { channel: string }) => {
        const core = await openCore(loadConfig());
        try {
          const { source: s, writeKey } = await createSource(core.dbHandle.db, { name, channel: opts.channel, actor: CLI_ACTOR });
          print(`Created source ${s.name} (${s.prefix}, channel ${s.channel}). Its write key, shown only now:`);
          print(writeKey);
        } finally {
          await core.dbHandle.close();
        }
      }),
    );

  program
    .command('rotate-key')
    .description('Create a new data key and re-encrypt all personal data with it, without downtime')
    .option('--new-master-key <key>', 'also re-wrap all keys under this new master key (64 hex chars or base64)')
    .option('--grace <seconds>', 'wait before activating the new key so running servers learn it', positiveInt, 20)
    .action(
      action(async (opts: { newMasterKey?: string; grace: number }) => {
        const config = loadConfig();
        const core = await openCore(config);
        const bar = progressBar('Re-encrypting');
        try {
          const result = await rotateKey(core.dbHandle.db, {
            masterKey: core.masterKey,
            newMasterKey: opts.newMasterKey ? parseMasterKey(opts.newMasterKey) : undefined,
            graceSeconds: config.databaseUrl ? opts.grace : 0,
            encrypted: allEncryptedColumns,
            onProgress: (done, table) => bar.update(done, done, table),
          });
          bar.stop();
          print(`Data key ${result.newKeyId} is active; ${result.reencrypted} rows re-encrypted.`);
          if (result.rewrapped) print('Keys are wrapped under the new master key: set PATRON_MASTER_KEY to it and restart every process.');
        } finally {
          bar.stop();
          await core.dbHandle.close();
        }
      }),
    );
}
