import { type Selectable, sql } from 'kysely';
import type { z } from 'zod';
import type { batchBody, couponCheck, CouponTemplateBody, CouponTemplateView, couponRejections } from '../../../contracts/loyalty.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { currentCustomerId } from '../customers/index.ts';
import { randomCodes } from './codes.ts';
import type { CouponTable, CouponTemplateTable } from './loyalty.tables.ts';

export const couponErrors = {
  templateNotFound: (id: number) => new AppError('COUPON_TEMPLATE_NOT_FOUND', 'not_found', `Coupon template ${id} does not exist.`),
  codeTaken: (code: string) => new AppError('COUPON_CODE_TAKEN', 'conflict', `The code ${code} is already in use.`, { code }),
  notRedeemable: (code: string, reason: Rejection) =>
    new AppError('COUPON_NOT_REDEEMABLE', 'conflict', `The coupon ${code} cannot be redeemed: ${reason}.`, { code, reason }),
  tooLarge: (count: number) =>
    new AppError('COUPON_BATCH_TOO_LARGE', 'invalid', `A batch holds at most 1,000,000 codes (${count} asked).`, { count }),
};

type Rejection = (typeof couponRejections)[number];
type Template = Selectable<CouponTemplateTable>;
type Check = z.infer<typeof couponCheck>;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function templateValues(b: CouponTemplateBody) {
  return {
    name: b.name,
    kind: b.kind,
    amount: b.kind === 'fixed' ? b.amount : 0,
    percent: String(b.kind === 'percent' ? b.percent : 0),
    cap: b.kind === 'percent' ? b.cap : null,
    min_spend: b.minSpend,
    channels: b.channels,
    valid_from: b.validFrom,
    valid_to: b.validTo,
    valid_days: b.validDays,
    uses_per_code: b.usesPerCode,
    per_customer_limit: b.perCustomerLimit,
  };
}

export async function listTemplates(db: Db): Promise<CouponTemplateView[]> {
  const rows = await sql<Template & { codes: number; issued: number; redemptions: number; discount: number }>`
    select t.*,
      coalesce((select count(*) from coupons c where c.template_id = t.id), 0)::int as codes,
      coalesce((select count(*) from coupons c where c.template_id = t.id and c.customer_id is not null), 0)::int as issued,
      coalesce((select count(*) from coupon_redemptions r where r.template_id = t.id and r.undone_at is null), 0)::int as redemptions,
      coalesce((select sum(r.discount) from coupon_redemptions r where r.template_id = t.id and r.undone_at is null), 0)::int as discount
    from coupon_templates t order by t.archived, t.id desc`.execute(db);
  return rows.rows.map((t) => ({
    id: Number(t.id),
    name: t.name,
    kind: t.kind,
    amount: t.amount,
    percent: Number(t.percent),
    cap: t.cap,
    minSpend: t.min_spend,
    channels: t.channels,
    validFrom: iso(t.valid_from),
    validTo: iso(t.valid_to),
    validDays: t.valid_days,
    usesPerCode: t.uses_per_code,
    perCustomerLimit: t.per_customer_limit,
    archived: t.archived,
    codes: t.codes,
    issued: t.issued,
    redemptions: t.redemptions,
    discount: t.discount,
    createdAt: new Date(t.created_at).toISOString(),
  }));
}

const viewOf = async (db: Db, id: number) => {
  const v = (await listTemplates(db)).find((t) => t.id === id);
  if (!v) throw couponErrors.templateNotFound(id);
  return v;
};

export async function createTemplate(db: Db, b: CouponTemplateBody, actor: Actor): Promise<CouponTemplateView> {
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('coupon_templates')
      .values({ ...templateValues(b), created_by: actor.label })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actor, action: 'coupon_template.create', target: { type: 'coupon_template', id: Number(row.id) }, after: b });
    return Number(row.id);
  });
  return viewOf(db, id);
}

export async function updateTemplate(db: Db, id: number, b: CouponTemplateBody & { archived?: boolean }, actor: Actor) {
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('coupon_templates').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!before) throw couponErrors.templateNotFound(id);
    await trx
      .updateTable('coupon_templates')
      .set({ ...templateValues(b), ...(b.archived === undefined ? {} : { archived: b.archived }) })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, { actor, action: 'coupon_template.update', target: { type: 'coupon_template', id }, before, after: b });
  });
  return viewOf(db, id);
}

/** Which of these coupon templates exist and are not archived. */
export async function couponTemplatesExisting(db: Db, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('coupon_templates')
    .select('id')
    .where('id', 'in', [...ids])
    .where('archived', '=', false)
    .execute();
  return new Set(rows.map((r) => Number(r.id)));
}

async function templateOf(db: Db, id: number): Promise<Template> {
  const t = await db.selectFrom('coupon_templates').selectAll().where('id', '=', id).executeTakeFirst();
  if (!t) throw couponErrors.templateNotFound(id);
  return t;
}

/** When a code issued now is good from and until: the template's window, shortened to its number of days. */
function validity(t: Template, now: Date) {
  const byDays = t.valid_days ? new Date(now.getTime() + t.valid_days * 86_400_000) : null;
  const to = t.valid_to ? new Date(t.valid_to) : null;
  const expires = byDays && to ? new Date(Math.min(byDays.getTime(), to.getTime())) : (byDays ?? to);
  return { starts_at: t.valid_from, expires_at: expires };
}

const CHUNK = 50_000;

/**
 * A batch of unique codes (crypto-random, unambiguous characters) or one code of the seller's own. Codes are written
 * in chunks with ON CONFLICT DO NOTHING and any that clashed — with another batch or within this one — are drawn again,
 * so the batch holds exactly `count` codes.
 */
export async function createBatch(db: Db, templateId: number, b: z.infer<typeof batchBody>, actor: Actor, now: Date) {
  const t = await templateOf(db, templateId);
  const count = b.code ? 1 : b.count;
  if (count > 1_000_000) throw couponErrors.tooLarge(count);
  return db.transaction().execute(async (trx) => {
    const batch = await trx
      .insertInto('coupon_batches')
      .values({ template_id: templateId, size: count, source: b.code ? 'code' : 'generated', created_by: actor.label })
      .returningAll()
      .executeTakeFirstOrThrow();
    const { starts_at, expires_at } = validity(t, now);
    const insert = async (codes: string[]) => {
      const r = await sql`
        insert into coupons (code, template_id, batch_id, max_uses, starts_at, expires_at)
        select c, ${templateId}, ${batch.id}, ${t.uses_per_code}, ${starts_at}, ${expires_at} from unnest(${codes}::text[]) as c
        on conflict (code) do nothing`.execute(trx);
      return Number(r.numAffectedRows ?? 0);
    };
    if (b.code) {
      if ((await insert([b.code])) === 0) throw couponErrors.codeTaken(b.code);
    } else {
      let left = count;
      while (left > 0) {
        const n = Math.min(left, CHUNK);
        left -= await insert(randomCodes(n, b.length, b.prefix));
      }
    }
    await recordAudit(trx, {
      actor,
      action: 'coupon_batch.create',
      target: { type: 'coupon_batch', id: Number(batch.id) },
      after: { templateId, size: count },
    });
    return {
      id: Number(batch.id),
      templateId,
      size: count,
      source: batch.source,
      createdBy: batch.created_by,
      createdAt: new Date(batch.created_at).toISOString(),
    };
  });
}

export async function listBatches(db: Db, templateId: number) {
  const rows = await db.selectFrom('coupon_batches').selectAll().where('template_id', '=', templateId).orderBy('id', 'desc').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    templateId: Number(r.template_id),
    size: r.size,
    source: r.source,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

/** A batch's codes, in order. */
export async function batchCodes(db: Db, batchId: number): Promise<string[]> {
  return (await db.selectFrom('coupons').select('code').where('batch_id', '=', batchId).orderBy('code').execute()).map((r) => r.code);
}

/** A batch's codes as CSV (code, uses left, valid until) — what a seller loads into a till or prints. */
export async function batchCsv(db: Db, batchId: number): Promise<string> {
  const rows = await db
    .selectFrom('coupons')
    .select(['code', 'max_uses', 'used', 'expires_at'])
    .where('batch_id', '=', batchId)
    .orderBy('code')
    .execute();
  return ['code,uses_left,expires_at', ...rows.map((r) => `${r.code},${r.max_uses - r.used},${iso(r.expires_at) ?? ''}`)].join('\n') + '\n';
}

/**
 * A code of the template for one person (a tier upgrade, a journey step, a service apology), once per template,
 * person and source: asking again returns the code already issued.
 */
export async function issueCoupon(trx: Db, templateId: number, customerId: number, source: string, now: Date) {
  const prior = await trx
    .selectFrom('coupons')
    .select(['code', 'expires_at'])
    .where('template_id', '=', templateId)
    .where('customer_id', '=', customerId)
    .where('source', '=', source)
    .executeTakeFirst();
  const t = await templateOf(trx, templateId);
  if (prior) return { code: prior.code, expiresAt: iso(prior.expires_at), amount: t.amount };
  const { starts_at, expires_at } = validity(t, now);
  for (;;) {
    const [code] = randomCodes(1, 10);
    const row = await sql<{ code: string }>`
      insert into coupons (code, template_id, customer_id, max_uses, starts_at, expires_at, source)
      values (${code}, ${templateId}, ${customerId}, ${t.uses_per_code}, ${starts_at}, ${expires_at}, ${source})
      on conflict do nothing returning code`.execute(trx);
    if (row.rows.length > 0) return { code, expiresAt: iso(expires_at), amount: t.amount };
  }
}

type Coupon = Selectable<CouponTable>;

function judge(c: Coupon | undefined, t: Template | undefined, q: CheckInput, used: { byCustomer: number; now: Date }): Rejection | null {
  if (!c || !t) return 'not_found';
  if (c.void || t.archived) return 'void';
  if (c.starts_at && new Date(c.starts_at) > used.now) return 'not_started';
  if (c.expires_at && new Date(c.expires_at) <= used.now) return 'expired';
  if (c.used >= c.max_uses) return 'used_up';
  if (q.orderTotal < t.min_spend) return 'min_spend';
  if (t.channels.length > 0 && (!q.channel || !t.channels.includes(q.channel))) return 'channel';
  if (c.customer_id !== null && Number(c.customer_id) !== q.customerId) return 'other_customer';
  if (t.per_customer_limit !== null && q.customerId !== undefined && used.byCustomer >= t.per_customer_limit) return 'customer_limit';
  return null;
}

function discountOf(t: Template, orderTotal: number): number {
  if (t.kind === 'fixed') return Math.min(t.amount, orderTotal);
  if (t.kind === 'percent') {
    const off = Math.floor((orderTotal * Number(t.percent)) / 100);
    return t.cap === null ? off : Math.min(off, t.cap);
  }
  return 0;
}

type CheckInput = { code: string; orderTotal: number; channel?: string; customerId?: number };

async function checkWith(
  trx: Db,
  q: CheckInput,
  now: Date,
  lock: boolean,
): Promise<{ check: Check; coupon?: Coupon; template?: Template }> {
  const code = q.code.trim().toUpperCase();
  let query = trx.selectFrom('coupons').selectAll().where('code', '=', code);
  if (lock) query = query.forUpdate();
  const coupon = await query.executeTakeFirst();
  const template = coupon
    ? await trx.selectFrom('coupon_templates').selectAll().where('id', '=', coupon.template_id).executeTakeFirst()
    : undefined;
  // A merged person answers for the profile they became.
  const customerId = q.customerId === undefined ? undefined : await currentCustomerId(trx, q.customerId).catch(() => q.customerId);
  const byCustomer =
    template && customerId !== undefined && template.per_customer_limit !== null
      ? Number(
          (
            await trx
              .selectFrom('coupon_redemptions')
              .select(sql<number>`count(*)::int`.as('n'))
              .where('template_id', '=', template.id)
              .where('customer_id', '=', customerId)
              .where('undone_at', 'is', null)
              .executeTakeFirstOrThrow()
          ).n,
        )
      : 0;
  const reason = judge(coupon, template, { ...q, customerId }, { byCustomer, now });
  return {
    coupon,
    template,
    check: {
      valid: reason === null,
      code,
      reason,
      discount: reason === null && template ? discountOf(template, q.orderTotal) : 0,
      freeShipping: reason === null && template?.kind === 'free_shipping',
      templateId: template ? Number(template.id) : null,
    },
  };
}

/** Whether a code applies to a basket, and what it takes off (a rejection says why, with a stable reason). */
export const checkCoupon = async (db: Db, q: CheckInput, now: Date) => (await checkWith(db, q, now, false)).check;

/**
 * Redeems a code for a store order: once per code and order (the same order again returns the first redemption),
 * the code's uses counted under its row lock so two orders racing for its last use cannot both have it.
 */
export async function redeemCoupon(db: Db, q: CheckInput & { orderId: string }, now: Date) {
  return db.transaction().execute(async (trx) => {
    const code = q.code.trim().toUpperCase();
    const prior = await trx
      .selectFrom('coupon_redemptions')
      .selectAll()
      .where('code', '=', code)
      .where('order_ref', '=', q.orderId)
      .executeTakeFirst();
    if (prior) return redemptionView(prior);
    const { check, template } = await checkWith(trx, q, now, true);
    if (!check.valid || !template) throw couponErrors.notRedeemable(code, check.reason ?? 'not_found');
    await trx.updateTable('coupons').set({ used: sql`used + 1` }).where('code', '=', code).execute();
    const customerId = q.customerId === undefined ? null : await currentCustomerId(trx, q.customerId).catch(() => null);
    const row = await trx
      .insertInto('coupon_redemptions')
      .values({
        code,
        template_id: template.id,
        order_ref: q.orderId,
        customer_id: customerId,
        channel: q.channel ?? null,
        order_total: q.orderTotal,
        discount: check.discount,
        redeemed_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return redemptionView(row);
  });
}

const redemptionView = (r: {
  id: number;
  code: string;
  order_ref: string;
  discount: number;
  redeemed_at: Date;
  undone_at: Date | null;
}) => ({
  id: Number(r.id),
  code: r.code,
  orderId: r.order_ref,
  discount: r.discount,
  redeemedAt: new Date(r.redeemed_at).toISOString(),
  undoneAt: iso(r.undone_at),
});

/** Undoes an order's redemptions (the order was cancelled): each code gets its use back. Returns how many were undone. */
export async function undoRedemptions(trx: Db, orderRef: string, reason: string, now: Date): Promise<number> {
  const undone = await sql<{ code: string }>`
    update coupon_redemptions set undone_at = ${now}, undone_reason = ${reason}
    where order_ref = ${orderRef} and undone_at is null returning code`.execute(trx);
  const codes = undone.rows.map((r) => r.code);
  if (codes.length > 0) await sql`update coupons set used = greatest(used - 1, 0) where code = any(${codes}::text[])`.execute(trx);
  return codes.length;
}

/** A person's codes: the ones issued to them and the ones they redeemed. */
export async function couponsOf(db: Db, customerId: number) {
  const rows = await sql<{
    code: string;
    name: string;
    kind: string;
    expires_at: Date | null;
    used: number;
    max_uses: number;
    void: boolean;
  }>`
    select c.code, t.name, t.kind, c.expires_at, c.used, c.max_uses, c.void from coupons c join coupon_templates t on t.id = c.template_id
    where c.customer_id = ${customerId}
    union
    select c.code, t.name, t.kind, c.expires_at, c.used, c.max_uses, c.void from coupon_redemptions r
    join coupons c on c.code = r.code join coupon_templates t on t.id = c.template_id
    where r.customer_id = ${customerId} and r.undone_at is null
    order by 4 desc nulls first limit 100`.execute(db);
  return rows.rows;
}
