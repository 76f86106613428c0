import { ImapFlow } from 'imapflow';
import { sql } from 'kysely';
import type { z } from 'zod';
import type { imapSettingsBody } from '../../../contracts/service.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { type Keyring, decryptField, encryptField } from '../../platform/crypto.ts';
import { readSetting, writeSetting } from '../system/index.ts';
import { receiveSupportMail } from './inbound.ts';

const KEY = 'service.imap';
/** Unseen messages taken per poll (the rest wait for the next). */
const PER_POLL = 200;

type StoredImap = {
  enabled: boolean;
  host: string;
  port: number;
  secure: boolean;
  user: string;
  passwordEnc: string | null;
  mailbox: string;
  intervalSeconds: number;
};
type Stored = StoredImap | { host: null };

export const imapSettingsOf = async (db: Db): Promise<StoredImap | null> => {
  const s = await readSetting<Stored>(db, KEY, { host: null });
  return s.host ? (s as StoredImap) : null;
};

/** Stores the mailbox; the password encrypted, kept as it was when none is given. */
export async function saveImapSettings(db: Db, keyring: Keyring, input: z.infer<typeof imapSettingsBody> | null, actor: Actor) {
  const before = await imapSettingsOf(db);
  const value: Stored = input
    ? {
        enabled: input.enabled,
        host: input.host,
        port: input.port,
        secure: input.secure,
        user: input.user,
        passwordEnc: input.password !== undefined ? encryptField(keyring, input.password) : (before?.passwordEnc ?? null),
        mailbox: input.mailbox,
        intervalSeconds: input.intervalSeconds,
      }
    : { host: null };
  await writeSetting(db, { key: KEY, value, fallback: { host: null }, actor });
}

/** How the last poll of this process went (shown beside the settings). */
const lastPoll: { at: Date | null; error: string | null } = { at: null, error: null };

/** What the API shows of the mailbox: never the password. */
export const presentImap = (s: StoredImap | null) =>
  s
    ? {
        configured: true,
        enabled: s.enabled,
        host: s.host,
        port: s.port,
        secure: s.secure,
        user: s.user,
        hasPassword: s.passwordEnc !== null,
        mailbox: s.mailbox,
        intervalSeconds: s.intervalSeconds,
        lastPollAt: lastPoll.at?.toISOString() ?? null,
        lastError: lastPoll.error,
      }
    : { configured: false };

/**
 * Polls the support mailbox when it is due: unseen messages (up to 200) become tickets or replies exactly as mail to the
 * SMTP listener does, and are marked seen once taken. One process polls at a time (a lease in `service_leases`); a message that
 * cannot be taken stays unseen for the next poll, and a message taken twice (a crash before it was marked) is one
 * message on its ticket (threaded by its Message-ID).
 */
export async function pollImap(ctx: AppContext): Promise<number> {
  const cfg = await imapSettingsOf(ctx.db);
  const now = ctx.clock.now();
  if (!cfg?.enabled || (lastPoll.at && now.getTime() - lastPoll.at.getTime() < cfg.intervalSeconds * 1000)) return 0;
  lastPoll.at = now;
  // A lease rather than a lock held across the mailbox's network round trips (no transaction stays open meanwhile).
  const lease = await sql<{ name: string }>`
    insert into service_leases (name, until) values ('imap', ${new Date(now.getTime() + 10 * 60_000)})
    on conflict (name) do update set until = excluded.until where service_leases.until < ${now}
    returning name`.execute(ctx.db);
  if (lease.rows.length === 0) return 0;
  try {
    return await takeUnseen(ctx, cfg);
  } finally {
    await ctx.db
      .updateTable('service_leases')
      .set({ until: new Date(0) })
      .where('name', '=', 'imap')
      .execute();
  }
}

/** One connection to the mailbox: unseen messages taken, marked seen once taken. */
async function takeUnseen(ctx: AppContext, cfg: StoredImap): Promise<number> {
  const client = new ImapFlow({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    auth: { user: cfg.user, pass: cfg.passwordEnc ? decryptField(ctx.keyring, cfg.passwordEnc) : '' },
    logger: false,
    connectionTimeout: 15_000,
  });
  let taken = 0;
  try {
    await client.connect();
    const box = await client.getMailboxLock(cfg.mailbox);
    try {
      const unseen = ((await client.search({ seen: false }, { uid: true })) || []).slice(0, PER_POLL);
      const done: number[] = [];
      if (unseen.length > 0)
        for await (const m of client.fetch(unseen, { uid: true, source: true }, { uid: true })) {
          if (!m.source) continue;
          try {
            await receiveSupportMail(ctx, m.source);
            done.push(m.uid);
            taken++;
          } catch (err) {
            ctx.log.error({ err, uid: m.uid }, 'support mail from IMAP not taken');
          }
        }
      if (done.length > 0) await client.messageFlagsAdd(done, ['\\Seen'], { uid: true });
    } finally {
      box.release();
    }
    lastPoll.error = null;
  } catch (err) {
    lastPoll.error = (err as Error).message.slice(0, 500);
    ctx.log.warn({ err }, 'support mailbox poll failed');
  } finally {
    await client.logout().catch(() => undefined);
  }
  return taken;
}
