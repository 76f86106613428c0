import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { deflateSync, inflateSync } from 'node:zlib';
import { type Keyring, decryptBytes, encryptBytes } from '../../platform/crypto.ts';
import { getStoreSettings } from '../system/index.ts';
import { type SourceRef, type Staged, storeMessages } from './tracking.service.ts';

/**
 * The tracking API's inbox. A batch is answered 200 once its valid messages are committed here, as one row, encrypted
 * (they carry traits): the answer costs one insert, however much resolving and storing the messages takes, and
 * nothing answered is lost (it stays until stored). The `tracking-inbox` poller stores what waits, in two lanes each in
 * the order received, several batches a transaction, and deletes them in the same transaction.
 */

/**
 * A batch's messages as kept: JSON, deflated, encrypted. A batch repeats its field names and much of its values: at
 * level 1 it is a tenth to a twentieth the size, and compressing costs what encrypting the bytes saved does, while the
 * insert, the database's log and the poller's read all carry less.
 */
const packMessages = (keyring: Keyring, messages: readonly Staged[]): string =>
  encryptBytes(keyring, deflateSync(JSON.stringify(messages), { level: 1 }));

function unpackMessages(keyring: Keyring, enc: string): Staged[] {
  const bytes = decryptBytes(keyring, enc);
  // A batch staged before batches were deflated is JSON text, an array ('['); a deflated one starts with zlib's header.
  return JSON.parse((bytes[0] === 0x5b ? bytes : inflateSync(bytes)).toString('utf8')) as Staged[];
}

export async function stageBatch(db: Db, keyring: Keyring, batch: { sourceId: number; receivedAt: Date; messages: readonly Staged[] }) {
  await db
    .insertInto('tracking_inbox')
    .values({
      source_id: batch.sourceId,
      received_at: batch.receivedAt,
      messages_enc: packMessages(keyring, batch.messages),
      message_count: batch.messages.length,
    })
    .execute();
}

/** How many messages a pass stores at most (and at least one batch, however large). */
const PASS_MESSAGES = 2_000;

/**
 * Batches are stored in two lanes at once (by id: odd and even), each in the order received and by one process at a
 * time (an advisory lock per lane): one lane alternates between node and the database, two keep both busy. Batches
 * of two lanes are as independent as two requests answered at once were: an identify stored after the anonymous
 * events it names gives them to the person (identity's stitching), and one stored at the same time is waited for
 * (`findKnownCustomers` locks the anonymous ids nobody holds).
 */
const LANES = [0, 1] as const;
const laneLock = (lane: number) => sql`pg_try_advisory_xact_lock(hashtext('patron.tracking_inbox'), ${lane}::int)`;
/** A lane's batches due at `now`: never failed, or failed and waited long enough. */
const dueInLane = (lane: number, now: Date) =>
  sql<boolean>`id % ${LANES.length}::bigint = ${lane}::bigint and (retry_at is null or retry_at <= ${now})`;

type Waiting = { id: number; source_id: number; source_name: string; channel_id: number; received_at: Date; messages_enc: string };

/** A lane's batches due, oldest first, up to `PASS_MESSAGES` messages (or `only` alone). */
async function due(trx: Db, now: Date, lane: number, only?: number): Promise<Waiting[]> {
  const { rows } = await sql<Waiting>`
    select w.id, w.source_id, s.name as source_name, s.channel_id, w.received_at, w.messages_enc
    from (
      select b.*, sum(b.message_count) over (order by b.id) - b.message_count as before
      from (
        select id, source_id, received_at, messages_enc, message_count from tracking_inbox
        where ${dueInLane(lane, now)} ${only === undefined ? sql`` : sql`and id = ${only}`}
        order by id limit 100
      ) b
    ) w join sources s on s.id = w.source_id
    where w.before < ${PASS_MESSAGES}
    order by w.id`.execute(trx);
  return rows;
}

/** Stores `rows` in their order, consecutive batches of one source together, and takes them out of the inbox. */
async function storeWaiting(trx: Db, ctx: AppContext, rows: readonly Waiting[], now: Date): Promise<void> {
  const defaultCurrency = async (db: Db) => (await getStoreSettings(db, { timeZone: ctx.config.timeZone })).currency;
  for (let start = 0; start < rows.length; ) {
    let end = start + 1;
    while (end < rows.length && rows[end].source_id === rows[start].source_id) end++;
    const group = rows.slice(start, end);
    const source: SourceRef = { id: group[0].source_id, name: group[0].source_name, channelId: group[0].channel_id };
    const batches = group.map((r) => ({
      receivedAt: r.received_at,
      messages: unpackMessages(ctx.keyring, r.messages_enc),
    }));
    await storeMessages(trx, ctx.keyring, { source, batches, now, defaultCurrency });
    start = end;
  }
  await trx
    .deleteFrom('tracking_inbox')
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
}

/** One pass over a lane's `due` batches in one transaction: how many it took, or null if another process has the lane. */
async function pass(ctx: AppContext, now: Date, lane: number, only?: number): Promise<number | null> {
  return ctx.db.transaction().execute(async (trx) => {
    const locked = (await sql<{ locked: boolean }>`select ${laneLock(lane)} as locked`.execute(trx)).rows[0].locked;
    if (!locked) return null;
    const rows = await due(trx, now, lane, only);
    if (rows.length > 0) await storeWaiting(trx, ctx, rows, now);
    return rows.length;
  });
}

/** The wait before a failed batch is tried again: a minute, doubling with each failure, at most a day. */
const retryDelayMs = (attempts: number) => Math.min(60_000 * 2 ** (attempts - 1), 86_400_000);

/**
 * Stores batches waiting in the inbox (the `tracking-inbox` poller), a pass in each lane; returns how many batches it
 * took. If a pass fails, each of its lane's batches is tried alone: those that fail again stay, with their error, and
 * are tried later, so one bad batch holds up no other.
 */
export async function drainInbox(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const taken = await Promise.all(LANES.map((lane) => drainLane(ctx, now, lane)));
  return taken.reduce((a, b) => a + b, 0);
}

async function drainLane(ctx: AppContext, now: Date, lane: number): Promise<number> {
  try {
    return (await pass(ctx, now, lane)) ?? 0;
  } catch (err) {
    ctx.log.warn({ err, lane }, 'tracking inbox: a pass failed; its batches are tried one at a time');
  }
  const ids = await ctx.db
    .selectFrom('tracking_inbox')
    .select(['id', 'attempts'])
    .where(dueInLane(lane, now))
    .orderBy('id')
    .limit(100)
    .execute();
  let taken = 0;
  for (const { id, attempts } of ids) {
    try {
      const done = await pass(ctx, now, lane, id);
      if (done === null) break;
      taken += done;
    } catch (err) {
      ctx.log.error({ err, batch: id }, 'tracking inbox: a batch failed to store; it is kept and tried again later');
      await ctx.db
        .updateTable('tracking_inbox')
        .set({
          attempts: attempts + 1,
          retry_at: new Date(now.getTime() + retryDelayMs(attempts + 1)),
          error: String((err as Error).message ?? err).slice(0, 1000),
        })
        .where('id', '=', id)
        .execute();
      taken++;
    }
  }
  return taken;
}

/** Batches waiting in the inbox, and those of them that failed and wait to be tried again (`/metrics`). */
export const inboxGauges = [
  {
    name: 'patron_tracking_inbox_batches' as const,
    help: 'Tracking batches answered and not yet stored as events, by state (waiting; failing: failed and waiting to be tried again)',
    labels: ['state'],
    async read(db: Db) {
      const r = await db
        .selectFrom('tracking_inbox')
        .select((eb) => [eb.fn.countAll<number>().as('all'), eb.fn.count<number>('error').as('failing')])
        .executeTakeFirstOrThrow();
      return [
        { labels: { state: 'waiting' }, value: Number(r.all) - Number(r.failing) },
        { labels: { state: 'failing' }, value: Number(r.failing) },
      ];
    },
  },
];
