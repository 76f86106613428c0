import { type Selectable, sql } from 'kysely';
import {
  type AttributionSettings,
  type CampaignBody,
  type CampaignView,
  campaignBody,
  campaignFigures,
  type campaignListQuery,
  variantName,
} from '../../../contracts/campaigns.ts';
import type { z } from 'zod';
import type { CampaignTable, Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { safeRow } from '../../platform/csv-safe.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { cancelMessages, holdMessages, releaseMessages, sampleSmsParts, templateKinds, templatesUsing } from '../messaging/index.ts';
import { stringify } from 'csv-stringify/sync';
import { surveysOpen } from '../surveys/index.ts';
import { readSetting, storeSettingsOf, writeSetting } from '../system/index.ts';
import { measureAudience, sourceOf } from './audience.ts';
import { figuresOf, recipientsOf, reportOf } from './report.ts';

export const campaignErrors = {
  notFound: (id: number) => new AppError('CAMPAIGN_NOT_FOUND', 'not_found', `Campaign ${id} does not exist.`),
  invalid: (problems: string[]) =>
    new AppError('CAMPAIGN_INVALID', 'invalid', `The campaign cannot be sent: ${problems.join('; ')}.`, {
      problems: problems.map((problem) => ({ problem })),
    }),
  status: (id: number, status: string, action: string) =>
    new AppError('CAMPAIGN_STATUS_CONFLICT', 'conflict', `Campaign ${id} is ${status}: it cannot be ${action}.`, { status, action }),
  couponsShort: (short: number) =>
    new AppError('CAMPAIGN_COUPONS_SHORT', 'conflict', `The coupon code pool is ${short} codes short of the recipients.`, { short }),
};

export const DEFAULT_ATTRIBUTION: AttributionSettings = {
  emailHours: 120,
  smsClickHours: 120,
  smsDeliveredHours: 12,
  smsPricePerPart: 0.045,
};
const ATTRIBUTION = 'campaigns.attribution';
export const attributionSettingsOf = (db: Db) => readSetting(db, ATTRIBUTION, DEFAULT_ATTRIBUTION);
export const saveAttributionSettings = (db: Db, value: AttributionSettings, actor: Actor) =>
  writeSetting(db, { key: ATTRIBUTION, value, fallback: DEFAULT_ATTRIBUTION, actor });

type Row = Selectable<CampaignTable>;
const iso = (d: Date | null) => d?.toISOString() ?? null;

export const definitionOf = (r: Row): CampaignBody => campaignBody.parse(r.definition);

async function couponCounts(db: Db, ids: readonly number[]) {
  const rows =
    ids.length === 0
      ? []
      : await db
          .selectFrom('campaign_coupon_codes')
          .select(['campaign_id', sql<number>`count(*)::int`.as('total'), sql<number>`count(customer_id)::int`.as('drawn')])
          .where('campaign_id', 'in', [...ids])
          .groupBy('campaign_id')
          .execute();
  return (id: number) => {
    const r = rows.find((x) => Number(x.campaign_id) === id);
    return { total: r?.total ?? 0, drawn: r?.drawn ?? 0 };
  };
}

const present = (r: Row, coupons: { total: number; drawn: number }): CampaignView => ({
  id: Number(r.id),
  name: r.name,
  status: r.status,
  definition: definitionOf(r),
  sendAt: iso(r.send_at),
  startedAt: iso(r.started_at),
  testEndsAt: iso(r.test_ends_at),
  winner: r.winner,
  finishedAt: iso(r.finished_at),
  error: r.error,
  couponCodes: coupons,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export async function campaignRow(db: Db, id: number): Promise<Row> {
  const row = await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw campaignErrors.notFound(id);
  return row;
}

export async function getCampaign(db: Db, id: number): Promise<CampaignView> {
  const row = await campaignRow(db, id);
  return present(row, (await couponCounts(db, [id]))(id));
}

export async function listCampaigns(db: Db, q: z.infer<typeof campaignListQuery>) {
  let base = db.selectFrom('campaigns');
  if (q.status) base = base.where('status', '=', q.status);
  const [rows, total] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  const ids = rows.map((r) => Number(r.id));
  const [coupons, settings] = await Promise.all([couponCounts(db, ids), attributionSettingsOf(db)]);
  const figures = await Promise.all(rows.map((r) => figuresOf(db, r, settings)));
  return {
    items: rows.map((r, i) => ({ ...present(r, coupons(Number(r.id))), channel: definitionOf(r).channel, figures: figures[i].all })),
    total: total.n,
  };
}

export async function createCampaign(db: Db, body: CampaignBody, actor: Actor): Promise<CampaignView> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('campaigns')
      .values({ name: body.name, definition: JSON.stringify(body), created_by: actor.label })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actor, action: 'campaign.create', target: { type: 'campaign', id: Number(row.id) } });
    return present(row, { total: 0, drawn: 0 });
  });
}

/** A draft is changed freely; once sending is scheduled, pause or cancel it first. */
export async function updateCampaign(db: Db, id: number, body: CampaignBody, actor: Actor, now: Date): Promise<CampaignView> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('campaigns').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw campaignErrors.notFound(id);
    if (row.status !== 'draft') throw campaignErrors.status(id, row.status, 'changed');
    const updated = await trx
      .updateTable('campaigns')
      .set({ name: body.name, definition: JSON.stringify(body), updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actor, action: 'campaign.update', target: { type: 'campaign', id } });
    return present(updated, (await couponCounts(trx, [id]))(id));
  });
}

export async function deleteCampaign(db: Db, id: number, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('campaigns').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw campaignErrors.notFound(id);
    if (row.status !== 'draft') throw campaignErrors.status(id, row.status, 'deleted');
    await trx.deleteFrom('campaigns').where('id', '=', id).execute();
    await recordAudit(trx, { actor, action: 'campaign.delete', target: { type: 'campaign', id } });
  });
}

/** Adds codes to the campaign's pool (each once; a code already there is counted as a duplicate). */
export async function addCouponCodes(db: Db, id: number, codes: readonly string[], actor: Actor) {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('campaigns').select('status').where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw campaignErrors.notFound(id);
    if (row.status !== 'draft' && row.status !== 'scheduled') throw campaignErrors.status(id, row.status, 'given coupon codes');
    const unique = [...new Set(codes)];
    const r =
      await sql`insert into campaign_coupon_codes (campaign_id, code) select ${id}, unnest(${unique}::text[]) on conflict do nothing`.execute(
        trx,
      );
    const added = Number(r.numAffectedRows ?? 0);
    await recordAudit(trx, { actor, action: 'campaign.coupon_codes_add', target: { type: 'campaign', id }, details: { added } });
    return { added, duplicates: codes.length - added, total: (await couponCounts(trx, [id]))(id).total };
  });
}

/**
 * What stops a campaign from being sent: a template missing or on the wrong channel, a template printing a coupon
 * code with no code pool, an A/B test not set up, a segment gone.
 */
async function problemsOf(db: Db, id: number, def: CampaignBody): Promise<string[]> {
  const problems: string[] = [];
  const needs = def.channel === 'email_then_sms' ? (['email', 'sms'] as const) : ([def.channel] as const);
  const kinds = await templateKinds(
    db,
    def.variants.flatMap((v) => [v.email, v.sms].filter((k): k is string => k !== null)),
  );
  def.variants.forEach((v, i) => {
    const name = variantName(i);
    for (const channel of needs) {
      const key = v[channel];
      const kind = key ? kinds.get(key) : undefined;
      if (!key) problems.push(`variant ${name} has no ${channel} template`);
      else if (!kind) problems.push(`variant ${name}: template "${key}" does not exist`);
      else if (kind.channel !== channel) problems.push(`variant ${name}: template "${key}" is not an ${channel} template`);
    }
  });
  const used = def.variants.flatMap((v) => [v.email, v.sms].filter((k): k is string => k !== null));
  if ((await couponCounts(db, [id]))(id).total === 0)
    for (const key of await templatesUsing(db, used, 'coupon')) problems.push(`template "${key}" prints a coupon: add coupon codes`);
  const survey = def.surveyId === null ? [] : [def.surveyId];
  if (survey.length > 0 && (await surveysOpen(db, survey)).size === 0)
    problems.push(`survey ${def.surveyId} does not exist or is not open`);
  else if (survey.length === 0)
    for (const key of await templatesUsing(db, used, 'survey_url'))
      problems.push(`template "${key}" prints a survey link: choose the survey`);
  if (def.variants.length > 1 && !def.test) problems.push('two or more variants need an A/B test (share, hours, metric)');
  if (def.variants.length === 1 && def.test) problems.push('an A/B test needs two or more variants');
  const segments = await db
    .selectFrom('segments')
    .select('id')
    .where('id', 'in', [...def.audience.segments, ...def.audience.exclude])
    .execute();
  const known = new Set(segments.map((s) => Number(s.id)));
  for (const id of [...def.audience.segments, ...def.audience.exclude]) if (!known.has(id)) problems.push(`segment ${id} does not exist`);
  if (def.schedule.mode === 'local' && def.throttlePerMinute !== null && def.variants.some((v) => v.delayMinutes > 0))
    problems.push('send-time variants cannot be combined with a send in each recipient’s time zone and a pace');
  return problems;
}

/** Reach before sending: per channel, who can be sent to and why the others cannot; the SMS cost; the code pool. */
export async function estimateCampaign(ctx: AppContext, id: number) {
  const row = await campaignRow(ctx.db, id);
  const def = definitionOf(row);
  const now = ctx.clock.now();
  const [m, settings, coupons] = await Promise.all([
    measureAudience(ctx.db, id, def, now),
    attributionSettingsOf(ctx.db),
    couponCounts(ctx.db, [id]),
  ]);
  const total = def.channel === 'email' ? m.email.reachable : def.channel === 'sms' ? m.sms.reachable : m.email.reachable + m.smsAfterEmail;
  const smsPeople = def.channel === 'sms' ? m.sms.reachable : def.channel === 'email_then_sms' ? m.smsAfterEmail : 0;
  const smsKeys = def.variants.flatMap((v) => (v.sms ? [v.sms] : []));
  const parts = smsKeys.length === 0 ? 0 : Math.max(...(await Promise.all(smsKeys.map((k) => sampleSmsParts(ctx, k)))));
  const pool = coupons(id);
  const sentTo = m.members - m.excluded.holdout;
  return {
    members: m.members,
    excluded: m.excluded,
    email: def.channel === 'sms' ? null : m.email,
    sms: def.channel === 'email' ? null : m.sms,
    total,
    sms_cost:
      smsPeople === 0 && def.channel === 'email'
        ? null
        : {
            parts: parts * smsPeople,
            perPart: settings.smsPricePerPart,
            amount: Math.round(parts * smsPeople * settings.smsPricePerPart * 100),
          },
    couponCodesShort: pool.total === 0 ? 0 : Math.max(0, sentTo - (pool.total - pool.drawn)),
    note: 'caps_and_quiet_hours_at_send',
  };
}

/**
 * Schedules the send: now, at a time, or at a time in each recipient's zone (the audience is snapshotted when the
 * first zone reaches it, UTC+14). Checked first: templates, the A/B set-up, the segments.
 */
export async function sendCampaign(ctx: Pick<AppContext, 'db' | 'clock'>, id: number, actor: Actor) {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('campaigns').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw campaignErrors.notFound(id);
    if (row.status !== 'draft') throw campaignErrors.status(id, row.status, 'sent');
    const def = definitionOf(row);
    const problems = await problemsOf(trx, id, def);
    if (problems.length > 0) throw campaignErrors.invalid(problems);
    const s = def.schedule;
    const sendAt =
      s.mode === 'now'
        ? now
        : s.mode === 'at'
          ? new Date(s.at)
          : (await sql<{ at: Date }>`select (${s.date}::date + ${s.time}::time) at time zone 'Etc/GMT-14' as at`.execute(trx)).rows[0].at;
    await trx.updateTable('campaigns').set({ status: 'scheduled', send_at: sendAt, updated_at: now }).where('id', '=', id).execute();
    await recordAudit(trx, { actor, action: 'campaign.send', target: { type: 'campaign', id }, details: { sendAt: sendAt.toISOString() } });
    return present({ ...row, status: 'scheduled', send_at: sendAt }, (await couponCounts(trx, [id]))(id));
  });
}

/** Pause: nothing more is handed to a provider (queued messages wait as held); what was handed over goes on. */
export async function pauseCampaign(ctx: AppContext, id: number, actor: Actor) {
  return changeState(ctx, id, actor, 'paused', async (trx, row, now) => {
    if (!['scheduled', 'sending', 'testing'].includes(row.status)) throw campaignErrors.status(id, row.status, 'paused');
    const held = await holdMessages(trx, sourceOf(id), now);
    return { set: { status: 'paused', paused_from: row.status }, details: { held } };
  });
}

/** Resume from where it stopped: held messages go back in line (paced again from now); none is sent twice. */
export async function resumeCampaign(ctx: AppContext, id: number, actor: Actor) {
  return changeState(ctx, id, actor, 'resumed', async (trx, row, now) => {
    if (row.status !== 'paused' || !row.paused_from) throw campaignErrors.status(id, row.status, 'resumed');
    const released = await releaseMessages(trx, sourceOf(id), now, definitionOf(row).throttlePerMinute);
    return { set: { status: row.paused_from, paused_from: null }, details: { released } };
  });
}

/** Cancel: what has not been handed to a provider is never sent; the figures so far stay. */
export async function cancelCampaign(ctx: AppContext, id: number, actor: Actor) {
  return changeState(ctx, id, actor, 'cancelled', async (trx, row, now) => {
    if (!['scheduled', 'sending', 'testing', 'paused'].includes(row.status)) throw campaignErrors.status(id, row.status, 'cancelled');
    const cancelled = await cancelMessages(trx, sourceOf(id), now);
    return { set: { status: 'cancelled', paused_from: null, finished_at: now }, details: { cancelled } };
  });
}

async function changeState(
  ctx: AppContext,
  id: number,
  actor: Actor,
  action: string,
  change: (
    trx: Db,
    row: Row,
    now: Date,
  ) => Promise<{ set: Partial<Pick<Row, 'status' | 'paused_from' | 'finished_at'>>; details: Record<string, number> }>,
) {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('campaigns').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw campaignErrors.notFound(id);
    const { set, details } = await change(trx, row, now);
    const updated = await trx
      .updateTable('campaigns')
      .set({ ...set, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actor, action: `campaign.${action}`, target: { type: 'campaign', id }, details });
    return present(updated, (await couponCounts(trx, [id]))(id));
  });
}

/** The report: figures, variants, the holdout's uplift, the days, the links clicked most. */
export async function campaignReport(ctx: Pick<AppContext, 'db' | 'config'>, id: number) {
  const row = await campaignRow(ctx.db, id);
  const [settings, store, coupons] = await Promise.all([attributionSettingsOf(ctx.db), storeSettingsOf(ctx), couponCounts(ctx.db, [id])]);
  return { campaign: present(row, coupons(id)), ...(await reportOf(ctx.db, row, definitionOf(row), settings, store.timeZone)) };
}

export async function campaignRecipients(db: Db, id: number, q: Parameters<typeof recipientsOf>[2]) {
  return recipientsOf(db, await campaignRow(db, id), q);
}

/** The report's figure names, in their order (the contract's). */
const FIGURE_COLUMNS = campaignFigures.keyof().options;

/** The report's figures as CSV: one line for the whole campaign, one per variant, one per channel. */
export function reportCsv(report: Awaited<ReturnType<typeof campaignReport>>): string {
  const line = (scope: string, f: (typeof report)['figures']) => [scope, ...FIGURE_COLUMNS.map((c) => f[c] ?? '')];
  return stringify([
    ['scope', ...FIGURE_COLUMNS],
    line('campaign', report.figures),
    ...report.byVariant.map((v) => line(`variant ${v.variant}`, v.figures)),
    ...report.byChannel.map((c) => line(`channel ${c.channel}`, c.figures)),
  ]);
}

/** Every recipient and what became of them, as CSV (names made safe for spreadsheets); audited as an export. */
export async function recipientsCsv(db: Db, id: number, actor: Actor): Promise<string> {
  const row = await campaignRow(db, id);
  const all = await recipientsOf(db, row, { limit: 10_000_000, offset: 0 });
  await recordAudit(db, { actor, action: 'campaign.recipients_export', target: { type: 'campaign', id }, details: { rows: all.total } });
  const columns = [
    'customerId',
    'name',
    'arm',
    'variant',
    'channel',
    'status',
    'skipReason',
    'opened',
    'clicked',
    'orders',
    'revenue',
  ] as const;
  return `\uFEFF${stringify([columns, ...all.items.map((r) => safeRow(columns.map((c) => r[c] ?? '')))])}`;
}
