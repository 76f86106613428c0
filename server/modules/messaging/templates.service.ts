import type { TemplateBody } from '../../../contracts/messaging.ts';
import type { Db, MessageTemplateTable } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { getStoreSettings } from '../system/index.ts';
import { type Localized, renderMessage } from './render.ts';
import type { Selectable } from 'kysely';

export const templateErrors = {
  notFound: (key: string) => new AppError('TEMPLATE_NOT_FOUND', 'not_found', `No message template "${key}".`),
  wrongShape: (why: string) => new AppError('TEMPLATE_INVALID', 'invalid', why, { part: 'template', reason: why }),
};

type Row = Selectable<MessageTemplateTable>;

export const presentTemplate = (r: Row) => ({
  id: Number(r.id),
  key: r.key,
  name: r.name,
  channel: r.channel,
  purpose: r.purpose,
  subject: (r.subject as Localized | null) ?? undefined,
  preheader: (r.preheader as Localized | null) ?? undefined,
  body: r.body as Localized,
  quietHours: r.quiet_hours,
  providerTemplate: (r.provider_template as TemplateBody['providerTemplate'] | null) ?? undefined,
  updatedAt: r.updated_at.toISOString(),
});

/** Sample values a template is checked against when saved: every variable a message can use. */
export const SAMPLE_SCOPE = {
  customer: {
    id: 1,
    name: '李强',
    first_name: '强',
    email: 'li.qiang@example.com',
    phone: '+8613800000000',
    province: '广东省',
    city: '深圳市',
    birthday: '1990-05-20',
  },
  metrics: {
    orders_count: 3,
    net_spent: 129900,
    clv: 258000,
    churn_probability: 0.2,
    last_order_at: '2026-11-11T08:00:00Z',
    lifecycle_stage: 'active',
    rfm_group: 'loyal',
  },
  store: { name: 'Patron Demo' },
  order: { id: 'TB20261111001', total: 39800, currency: 'CNY', placed_at: '2026-11-11T00:05:00+08:00', pay_url: 'https://example.com/pay' },
  coupon: { code: 'SAVE20', amount: 2000, expires_at: '2026-12-31T16:00:00Z' },
  campaign: { id: 1, name: '双十二会员日' },
  points: { balance: 1200, expiring: 300, expires_on: '2027-01-01' },
  loyalty: { member_no: '00001024', tier: '金卡', member_url: 'https://example.com/m/token' },
  recommendations: [{ name: '精华液', url: 'https://example.com/p/1' }],
  product: { sku: 'SERUM-30', name: '修护精华液 30ml', price: 29900, previousPrice: 35900, currency: 'CNY', stock: 20 },
  ticket: { id: 1024, subject: '订单还没有发货' },
  reply: { body: '您好，您的包裹今天已经发出，单号 SF1234567890。' },
  agent: { name: '小美' },
  survey_url: 'https://example.com/f/token',
  rma: {
    id: 88,
    state: 'approved',
    url: 'https://example.com/r/token',
    reason: '',
    resolution: 'refund',
    refund_amount: 19900,
    coupon: '',
    points: 0,
  },
  unsubscribe_url: 'https://example.com/u/token',
};

/** Checks a template renders (in both languages) against the sample values before it is stored. */
export async function checkTemplate(t: TemplateBody, env: { timeZone: string; currency: string }): Promise<void> {
  if (t.channel === 'email' && !t.subject) throw templateErrors.wrongShape('An e-mail template needs a subject.');
  if (t.channel === 'sms' && (t.subject || t.preheader)) throw templateErrors.wrongShape('An SMS template has no subject or preheader.');
  if (t.channel === 'email' && t.providerTemplate) throw templateErrors.wrongShape('Only SMS templates name a provider template.');
  for (const language of ['zh-CN', 'en'] as const) {
    await renderMessage(t, SAMPLE_SCOPE, { ...env, language, smsSignature: '', marketingSmsSuffix: '', to: null });
  }
}

export async function listTemplates(db: Db) {
  return (await db.selectFrom('message_templates').selectAll().orderBy('key').execute()).map(presentTemplate);
}

export async function templateByKey(db: Db, key: string): Promise<Row | undefined> {
  return db.selectFrom('message_templates').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Creates or replaces the template of a key (audited). */
export async function saveTemplate(db: Db, t: TemplateBody, opts: { actor: Actor; timeZone: string; currency: string; now: Date }) {
  await checkTemplate(t, opts);
  const json = (l: Localized | undefined) => (l ? JSON.stringify(l) : null);
  const values = {
    name: t.name,
    channel: t.channel,
    purpose: t.purpose,
    subject: json(t.subject),
    preheader: json(t.preheader),
    body: JSON.stringify(t.body),
    provider_template: t.providerTemplate ? JSON.stringify(t.providerTemplate) : null,
    quiet_hours: t.quietHours,
    updated_at: opts.now,
  };
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('message_templates')
      .values({ key: t.key, ...values })
      .onConflict((oc) => oc.column('key').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actor: opts.actor, action: 'messaging.template_save', target: { type: 'message_template', id: t.key } });
    return presentTemplate(row);
  });
}

export async function deleteTemplate(db: Db, key: string, actor: Actor) {
  await db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('message_templates').where('key', '=', key).executeTakeFirst();
    if (Number(gone.numDeletedRows) === 0) throw templateErrors.notFound(key);
    await recordAudit(trx, { actor, action: 'messaging.template_delete', target: { type: 'message_template', id: key } });
  });
}

/** Which of these template keys exist (a journey checks its message steps before it is published). */
export async function templateExists(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom('message_templates')
    .select('key')
    .where('key', 'in', [...keys])
    .execute();
  return new Set(rows.map((r) => r.key));
}

/** Installs the shipped templates a store does not have yet (a reworded one stays as the store left it). */
export async function installMissingTemplates(db: Db, templates: readonly TemplateBody[], actor: Actor, now: Date): Promise<void> {
  const have = await templateExists(
    db,
    templates.map((t) => t.key),
  );
  const missing = templates.filter((t) => !have.has(t.key));
  if (missing.length === 0) return;
  const store = await getStoreSettings(db, { timeZone: 'Asia/Shanghai' });
  for (const t of missing) await saveTemplate(db, t, { actor, timeZone: store.timeZone, currency: store.currency, now });
}

/** The channel and purpose of each of these templates that exists. */
export async function templateKinds(db: Db, keys: readonly string[]): Promise<Map<string, { channel: string; purpose: string }>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .selectFrom('message_templates')
    .select(['key', 'channel', 'purpose'])
    .where('key', 'in', [...keys])
    .execute();
  return new Map(rows.map((r) => [r.key, { channel: r.channel, purpose: r.purpose }]));
}

/** Of these templates, those that print this variable or a field of it (`coupon` for `{{ coupon.code }}`, `survey_url`). */
export async function templatesUsing(db: Db, keys: readonly string[], object: string): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom('message_templates')
    .select(['key', 'subject', 'preheader', 'body', 'provider_template'])
    .where('key', 'in', [...keys])
    .execute();
  const pattern = new RegExp(`\\b${object}\\.|\\{\\{[^}]*\\b${object}\\b`);
  return new Set(rows.filter((r) => pattern.test(JSON.stringify([r.subject, r.preheader, r.body, r.provider_template]))).map((r) => r.key));
}
