import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { type Keyring, decryptField } from '../../platform/crypto.ts';
import type { ModuleRegistry } from '../../platform/registry.ts';

/** What a message needs to know of its person: where to reach them, their language and time zone, what to say. */
export type Recipient = {
  id: number;
  gone: boolean;
  email: string | null;
  emailBidx: string | null;
  phone: string | null;
  phoneBidx: string | null;
  language: 'zh-CN' | 'en' | null;
  timeZone: string | null;
  scope: Record<string, unknown>;
};

type Row = {
  id: number;
  name: string | null;
  email_enc: string | null;
  email_bidx: string | null;
  phone_enc: string | null;
  phone_bidx: string | null;
  locale: string | null;
  time_zone: string | null;
  province: string | null;
  city: string | null;
  birthday: string | null;
  erased_at: Date | null;
  merged_into: number | null;
  metrics: Record<string, unknown> | null;
};

const languageOf = (locale: string | null): Recipient['language'] =>
  !locale ? null : locale.toLowerCase().startsWith('en') ? 'en' : locale.toLowerCase().startsWith('zh') ? 'zh-CN' : null;

/** Chinese names put the family name first: 李强 → 强 is too familiar, so the first name is the whole name there. */
const firstName = (name: string | null) => (!name ? '' : /^[\u4e00-\u9fff]/.test(name) ? name : name.split(/\s+/)[0]);

type ScopeContext = { keyring: Keyring; modules: ModuleRegistry; config: { publicUrl: string }; clock: { now(): Date } };

/**
 * The people of a batch of messages, with their contact details decrypted and the values templates may use: theirs,
 * their metrics, and what other modules offer (`messageScopes`: loyalty's points and member page …).
 */
export async function recipientsOf(db: Db, ctx: ScopeContext, ids: readonly number[]): Promise<Map<number, Recipient>> {
  if (ids.length === 0) return new Map();
  const keyring = ctx.keyring;
  const unique = [...new Set(ids)];
  const offered = await Promise.all(
    ctx.modules.messageScopes.map(async (s) => ({
      empty: s.empty,
      values: await s.load(db, { customerIds: unique, keyring, publicUrl: ctx.config.publicUrl, now: ctx.clock.now() }),
    })),
  );
  const othersOf = (id: number) => Object.assign({}, ...offered.map((o) => o.values.get(id) ?? o.empty));
  const rows = await sql<Row>`
    select c.id, c.name, c.email_enc, c.email_bidx, c.phone_enc, c.phone_bidx, c.locale, c.time_zone, c.province, c.city, c.birthday::text as birthday,
      c.erased_at, c.merged_into,
      (select to_jsonb(m) - 'customer_id' from customer_metrics m where m.customer_id = c.id) as metrics
    from customers c where c.id = any(${unique}::bigint[])`.execute(db);
  return new Map(
    rows.rows.map((r) => {
      const email = r.email_enc ? decryptField(keyring, r.email_enc) : null;
      const phone = r.phone_enc ? decryptField(keyring, r.phone_enc) : null;
      const customer = {
        id: Number(r.id),
        name: r.name ?? '',
        first_name: firstName(r.name),
        email,
        phone,
        province: r.province,
        city: r.city,
        birthday: r.birthday,
      };
      return [
        Number(r.id),
        {
          id: Number(r.id),
          gone: r.erased_at !== null || r.merged_into !== null,
          email,
          emailBidx: r.email_bidx,
          phone,
          phoneBidx: r.phone_bidx,
          language: languageOf(r.locale),
          timeZone: r.time_zone,
          scope: { ...othersOf(Number(r.id)), customer, metrics: r.metrics ?? {} },
        },
      ];
    }),
  );
}

/** The channels a person can be reached on at all (an address on their profile), before consent or suppression. */
export async function reachableChannels(db: Db, customerId: number): Promise<{ email: boolean; sms: boolean }> {
  const r = await db.selectFrom('customers').select(['email_enc', 'phone_enc']).where('id', '=', customerId).executeTakeFirst();
  return { email: Boolean(r?.email_enc), sms: Boolean(r?.phone_enc) };
}
