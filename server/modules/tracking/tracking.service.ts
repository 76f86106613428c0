import type { Db } from '../../db/index.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { type Identifier, type ProfilePatch, resolveCustomer, scrubPersonal } from '../customers/index.ts';
import { insertEvents } from '../events/index.ts';
import { applyEcommerce } from './ecommerce.ts';
import { type Message, message, occurredAt } from './messages.ts';
import type { Source } from './sources.service.ts';

export type TrackingResult = { accepted: number; duplicates: number; rejected: { index: number; reason: string }[] };

/** Identify traits, plus the traits RudderStack copies into context.traits. */
const traitsOf = (m: Message): Record<string, unknown> => ({
  ...((m.context?.traits as Record<string, unknown>) ?? {}),
  ...(m.type === 'identify' ? (m.traits ?? {}) : {}),
});

/** The customer identifiers a message carries (userId is the seller's own user id). */
function identifiersOf(m: Message, traits: Record<string, unknown>): Identifier[] {
  const ids: Identifier[] = [];
  if (m.userId) ids.push({ kind: 'external', channel: 'user_id', value: m.userId });
  if (m.anonymousId) ids.push({ kind: 'anonymous', value: m.anonymousId });
  if (m.type === 'alias') ids.push({ kind: 'anonymous', value: m.previousId });
  if (typeof traits.email === 'string') ids.push({ kind: 'email', value: traits.email });
  if (typeof traits.phone === 'string') ids.push({ kind: 'phone', value: traits.phone });
  return ids;
}

const GENDERS: Record<string, 'male' | 'female'> = { male: 'male', m: 'male', 男: 'male', female: 'female', f: 'female', 女: 'female' };

function profileOf(traits: Record<string, unknown>): ProfilePatch {
  const s = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const address = (traits.address ?? {}) as Record<string, unknown>;
  const joined = [s(traits.lastName), s(traits.firstName)].filter(Boolean).join('');
  const birthday = s(traits.birthday)?.slice(0, 10);
  return {
    name: s(traits.name) ?? (joined || undefined),
    gender: GENDERS[String(traits.gender ?? '').toLowerCase()],
    birthday: birthday && /^\d{4}-\d{2}-\d{2}$/.test(birthday) ? birthday : undefined,
    province: s(address.state),
    city: s(address.city),
    address: s(address.street),
  };
}

const eventName = (m: Message): string => {
  switch (m.type) {
    case 'track':
      return m.event;
    case 'page':
    case 'screen':
      return m.name ?? m.type;
    default:
      return m.type;
  }
};

const propertiesOf = (m: Message): Record<string, unknown> => {
  const base = m.type === 'track' || m.type === 'page' || m.type === 'screen' ? (m.properties ?? {}) : m.type === 'identify' || m.type === 'group' ? (m.traits ?? {}) : {};
  // Personal traits live encrypted on the profile; the event log keeps the rest in clear.
  return scrubPersonal(m.type === 'group' ? { ...base, groupId: m.groupId } : base);
};

/**
 * Processes a batch in one transaction: a 2xx answer means everything accepted is committed.
 * Each message is deduplicated by messageId (per source), resolved to a customer (identify/alias or
 * any message with a userId), logged as an event, and e-commerce events update orders and products.
 */
export async function processMessages(
  db: Db,
  keyring: Keyring,
  opts: { source: Source; raw: unknown[]; batchSentAt?: string | null; receivedAt: Date; defaultCurrency: string },
): Promise<TrackingResult> {
  const result: TrackingResult = { accepted: 0, duplicates: 0, rejected: [] };
  await db.transaction().execute(async (trx) => {
    for (const [index, raw] of opts.raw.entries()) {
      const parsed = message.safeParse(raw);
      if (!parsed.success) {
        result.rejected.push({ index, reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ') });
        continue;
      }
      const m = parsed.data;
      const at = occurredAt(m, opts.batchSentAt, opts.receivedAt);
      const messageId = m.messageId ? `${opts.source.id}:${m.messageId}` : null;
      if (messageId && (await trx.selectFrom('events').select('id').where('message_id', '=', messageId).executeTakeFirst())) {
        result.duplicates++;
        continue;
      }
      const identified = m.userId || m.type === 'identify' || m.type === 'alias';
      const traits = traitsOf(m);
      const customer = identified
        ? await resolveCustomer(trx, keyring, { identifiers: identifiersOf(m, traits), profile: profileOf(traits), source: `tracking:${opts.source.name}`, firstChannelId: opts.source.channelId, now: opts.receivedAt })
        : null;
      const inserted = await insertEvents(trx, [
        { customerId: customer?.customerId ?? null, anonymousId: m.anonymousId ?? null, type: m.type, name: eventName(m), properties: propertiesOf(m), occurredAt: at, receivedAt: opts.receivedAt, messageId, sourceId: opts.source.id },
      ]);
      if (inserted === 0) {
        result.duplicates++;
        continue;
      }
      if (m.type === 'track') {
        await applyEcommerce(trx, m.event, m.properties ?? {}, { customerId: customer?.customerId ?? null, channelId: opts.source.channelId, occurredAt: at, now: opts.receivedAt, defaultCurrency: opts.defaultCurrency });
      }
      result.accepted++;
    }
  });
  return result;
}
