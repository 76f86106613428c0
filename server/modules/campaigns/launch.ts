import { type Selectable, sql } from 'kysely';
import { type CampaignBody, variantName } from '../../../contracts/campaigns.ts';
import type { CampaignTable, Db } from '../../db/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { enqueueSelected } from '../messaging/index.ts';
import { surveyLinks } from '../surveys/index.ts';
import { storeSettingsOf } from '../system/index.ts';
import { audienceSql, bucketSql, reachableSql, sourceOf } from './audience.ts';
import { campaignErrors, definitionOf } from './campaigns.service.ts';
import { chooseWinner } from './report.ts';

type Row = Selectable<CampaignTable>;

/** An audience this large has its segments' members and its snapshot analyzed before they are read in bulk. */
const ANALYZED_FROM = 10_000;

const membersOf = async (trx: Db, segments: readonly number[]) =>
  Number(
    (
      await sql<{ n: number }>`select count(*)::int as n from segment_members where segment_id = any(${[...segments]}::bigint[])`.execute(
        trx,
      )
    ).rows[0].n,
  );

/**
 * The audience as it is now, kept: each person's arm (holdout control, A/B test share, the rest), variant (within
 * the test share; everyone's, without a test) and channel (e-mail where it reaches them, for `email_then_sms`).
 */
async function snapshot(trx: Db, id: number, def: CampaignBody, now: Date): Promise<number> {
  const holdout = def.holdoutPercent;
  const test = def.test?.percent ?? 0;
  const n = def.variants.length;
  const arm = bucketSql(id, 'arm');
  const channel =
    def.channel === 'email_then_sms' ? sql`case when ${reachableSql('email')} then 'email' else 'sms' end` : sql`${def.channel}`;
  const r = await sql`
    insert into campaign_recipients (campaign_id, customer_id, arm, variant, channel)
    select ${id}, c.id,
      case when ${arm} < ${holdout} then 'control' when ${arm} < ${holdout + test} then 'test' else 'rest' end,
      case when ${arm} < ${holdout} then null
        when ${n > 1} and ${arm} < ${holdout + test} then chr(65 + floor(${bucketSql(id, 'variant')} * ${n} / 100)::int)
        when ${n > 1} then null else 'A' end,
      ${channel}
    from (${audienceSql(def.audience, now)}) a join customers c on c.id = a.customer_id`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** Draws one code of the pool for each person who is sent to; the pool must cover them all. */
async function drawCoupons(trx: Db, id: number): Promise<void> {
  const { total, free, needed } = (
    await sql<{ total: number; free: number; needed: number }>`
      select count(*)::int as total, count(*) filter (where customer_id is null)::int as free,
        (select count(*)::int from campaign_recipients where campaign_id = ${id} and arm <> 'control') as needed
      from campaign_coupon_codes where campaign_id = ${id}`.execute(trx)
  ).rows[0];
  if (total === 0) return;
  if (needed > free) throw campaignErrors.couponsShort(needed - free);
  await sql`
    with r as (select customer_id, row_number() over (order by customer_id) n from campaign_recipients where campaign_id = ${id} and arm <> 'control'),
      k as (select code, row_number() over (order by code) n from campaign_coupon_codes where campaign_id = ${id} and customer_id is null),
      drawn as (update campaign_coupon_codes p set customer_id = r.customer_id from r join k using (n)
        where p.campaign_id = ${id} and p.code = k.code returning p.customer_id, p.code)
    update campaign_recipients x set coupon_code = drawn.code from drawn where x.campaign_id = ${id} and x.customer_id = drawn.customer_id`.execute(
    trx,
  );
}

/**
 * Queues the messages of the recipients in these arms through the outbox in one statement: each its variant's
 * template for its channel, its coupon code, not before the send time (its own zone's, for a local send) plus the
 * variant's delay, paced per minute in customer order.
 */
async function queueArms(trx: Db, row: Row, def: CampaignBody, arms: readonly ('test' | 'rest')[], now: Date, env: StepEnv) {
  const id = Number(row.id);
  const zone = env.zone;
  const surveys = def.surveyId === null ? {} : await surveyLinksOf(trx, id, def.surveyId, arms, now, env);
  const variants = def.variants.map((v, i) => [variantName(i), v.email ?? '', v.sms ?? '', v.delayMinutes] as const);
  const s = def.schedule;
  const base =
    s.mode === 'local'
      ? sql`greatest(${now}::timestamptz, (${s.date}::date + ${s.time}::time) at time zone coalesce(z.name, ${zone}))`
      : sql`${now}::timestamptz`;
  const pace =
    def.throttlePerMinute === null
      ? sql`interval '0'`
      : sql`floor((row_number() over (order by r.customer_id) - 1) / ${def.throttlePerMinute}::float8) * interval '1 minute'`;
  const values = sql.join(variants.map((v) => sql`(${v[0]}, ${v[1]}, ${v[2]}, ${v[3]}::int)`));
  return enqueueSelected(
    trx,
    sourceOf(id),
    sql`
      select ${`${sourceOf(id)}:`} || r.customer_id as key, r.customer_id,
        case r.channel when 'email' then v.email else v.sms end as template_key,
        jsonb_build_object('campaign', jsonb_build_object('id', ${id}::bigint, 'name', ${row.name}::text))
          || case when r.coupon_code is null then '{}'::jsonb else jsonb_build_object('coupon', jsonb_build_object('code', r.coupon_code)) end
          || coalesce(jsonb_build_object('survey_url', ${JSON.stringify(surveys)}::jsonb ->> r.customer_id::text), '{}'::jsonb) as variables,
        ${base} + v.delay * interval '1 minute' + ${pace} as not_before
      from campaign_recipients r
      join (values ${values}) v(variant, email, sms, delay) on v.variant = r.variant
      ${s.mode === 'local' ? sql`join customers c on c.id = r.customer_id left join pg_timezone_names z on z.name = c.time_zone` : sql``}
      where r.campaign_id = ${id} and r.arm = any(${[...arms]}::text[])`,
  );
}

/** Each recipient's link to the campaign's survey (their invitation made once); the campaign stops if it is closed. */
async function surveyLinksOf(trx: Db, id: number, surveyId: number, arms: readonly ('test' | 'rest')[], now: Date, env: StepEnv) {
  const people = await trx
    .selectFrom('campaign_recipients')
    .select('customer_id')
    .where('campaign_id', '=', id)
    .where('arm', 'in', [...arms])
    .execute();
  const links = await surveyLinks(trx, env.links, {
    surveyId,
    customerIds: people.map((p) => Number(p.customer_id)),
    source: sourceOf(id),
    now,
  });
  if (!links) throw new Error(`survey ${surveyId} is not open`);
  return Object.fromEntries(links);
}

/** What a step needs besides its transaction: the store's zone, and how to sign a survey link. */
type StepEnv = { zone: string; links: Pick<AppContext, 'keyring' | 'config'> };

/** Starts a due campaign: snapshot, coupon codes, the first messages queued — in its step's transaction. */
async function start(trx: Db, row: Row, now: Date, env: StepEnv) {
  const id = Number(row.id);
  const def = definitionOf(row);
  // Statistics of a large audience are taken at once: a segment refreshed just before (a million new members) would be
  // planned as the few rows it had, the snapshot (this transaction's own rows, which no statistics count until it
  // commits) as none — and their joins walk an index a row at a time. An analyze samples; it costs a fraction of a second.
  if ((await membersOf(trx, def.audience.segments)) > ANALYZED_FROM) await sql`analyze segment_members`.execute(trx);
  if ((await snapshot(trx, id, def, now)) > ANALYZED_FROM) await sql`analyze campaign_recipients`.execute(trx);
  await drawCoupons(trx, id);
  const testing = def.test !== null;
  await queueArms(trx, row, def, testing ? ['test'] : ['rest'], now, env);
  await trx
    .updateTable('campaigns')
    .set({
      status: testing ? 'testing' : 'sending',
      started_at: now,
      test_ends_at: testing && def.test ? new Date(now.getTime() + def.test.hours * 3_600_000) : null,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

/** The test is over: the winner by the chosen metric goes to the rest of the audience. */
async function finishTest(trx: Db, row: Row, now: Date, env: StepEnv) {
  const id = Number(row.id);
  const def = definitionOf(row);
  const decision = await chooseWinner(trx, row, def);
  await trx
    .updateTable('campaign_recipients')
    .set({ variant: decision.winner })
    .where('campaign_id', '=', id)
    .where('arm', '=', 'rest')
    .execute();
  await queueArms(trx, row, def, ['rest'], now, env);
  await trx
    .updateTable('campaigns')
    .set({ status: 'sending', winner: decision.winner, winner_reason: JSON.stringify(decision), updated_at: now })
    .where('id', '=', id)
    .execute();
}

const fail = (db: Db, id: number, err: unknown, now: Date) =>
  db
    .updateTable('campaigns')
    .set({ status: 'failed', error: (err as Error).message.slice(0, 1000), finished_at: now, updated_at: now })
    .where('id', '=', id)
    .execute();

/**
 * Takes one campaign whose step is due (SKIP LOCKED: working processes share them, none runs a step twice) and runs
 * the step in the transaction that holds it. A step that fails leaves nothing behind and marks the campaign failed
 * with its reason.
 */
async function stepOne(ctx: AppContext, now: Date, status: 'scheduled' | 'testing', step: typeof start): Promise<boolean> {
  // Read before the transaction: an embedded database has one connection, which the transaction holds.
  const env: StepEnv = { zone: (await storeSettingsOf(ctx)).timeZone, links: ctx };
  let taken: Row | undefined;
  try {
    await ctx.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('campaigns').selectAll().where('status', '=', status);
      q = status === 'scheduled' ? q.where('send_at', '<=', now) : q.where('test_ends_at', '<=', now);
      taken = await q.orderBy('id').limit(1).forUpdate().skipLocked().executeTakeFirst();
      if (taken) await step(trx, taken, now, env);
    });
  } catch (err) {
    if (!taken) throw err;
    await fail(ctx.db, Number(taken.id), err, now);
  }
  return taken !== undefined;
}

/**
 * The campaigns poller: starts campaigns whose time has come, sends an A/B test's winner to the rest when the test
 * is over, and marks a campaign done when no message of it is left to send.
 */
export async function runCampaigns(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const started = await stepOne(ctx, now, 'scheduled', start);
  const decided = await stepOne(ctx, now, 'testing', finishTest);
  const done = await sql`
    update campaigns k set status = 'done', finished_at = ${now}, updated_at = ${now}
    where k.status = 'sending' and not exists (select 1 from messages m where m.source = 'campaign:' || k.id and m.status in ('queued', 'held', 'sending'))`.execute(
    ctx.db,
  );
  return Number(started) + Number(decided) + Number(done.numAffectedRows ?? 0);
}
