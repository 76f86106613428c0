import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { scrubPersonal } from '../customers/index.ts';
import { findKnownCustomers, type Identifier, type ProfilePatch, resolveCustomers } from '../identity/index.ts';
import { insertEvents } from '../events/index.ts';
import { applyEcommerce } from './ecommerce.ts';
import { type Message, checkMessage, occurredAt } from './messages.ts';
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
  const base =
    m.type === 'track' || m.type === 'page' || m.type === 'screen'
      ? (m.properties ?? {})
      : m.type === 'identify' || m.type === 'group'
        ? (m.traits ?? {})
        : {};
  // Personal traits live encrypted on the profile; the event log keeps the rest in clear.
  return scrubPersonal(m.type === 'group' ? { ...base, groupId: m.groupId } : base);
};

/** A message the API accepted: valid, the first of its id in its batch, with when it happened. Kept in the inbox as JSON. */
export type Staged = { m: Message; at: string; messageId: string | null };

/**
 * Validates a batch's messages (the API answers with this before anything is stored): the invalid ones are rejected
 * with their reason, repeats within the batch are duplicates. Repeats of messages stored earlier are found when the
 * batch is stored (`storeMessages`).
 */
export function acceptMessages(
  raw: readonly unknown[],
  opts: { sourceId: number; batchSentAt: string | null; receivedAt: Date },
  result: TrackingResult,
): Staged[] {
  const accepted: Staged[] = [];
  const ids = new Set<string>();
  // Most SDK messages say when they happened; many server-side ones do not, and are stamped when received.
  const received = opts.receivedAt.toISOString();
  for (const [index, item] of raw.entries()) {
    const checked = checkMessage(item);
    if ('reasons' in checked) {
      result.rejected.push({ index, reason: checked.reasons.join('; ') });
      continue;
    }
    const m = checked.message;
    const messageId = m.messageId ? `${opts.sourceId}:${m.messageId}` : null;
    if (messageId && ids.has(messageId)) {
      result.duplicates++;
      continue;
    }
    if (messageId) ids.add(messageId);
    const at = occurredAt(m, opts.batchSentAt, opts.receivedAt);
    accepted.push({ m, at: at === null ? received : at.toISOString(), messageId });
  }
  result.accepted = accepted.length;
  return accepted;
}

/** A staged message ready to store: who it names, and when it was received. */
type Prepared = {
  m: Message;
  at: Date;
  receivedAt: Date;
  messageId: string | null;
  identified: boolean;
  identifiers: Identifier[];
  profile: ProfilePatch;
};

function prepare(s: Staged, receivedAt: Date): Prepared {
  const { m } = s;
  const identified = Boolean(m.userId) || m.type === 'identify' || m.type === 'alias';
  const traits = traitsOf(m);
  return {
    m,
    at: new Date(s.at),
    receivedAt,
    messageId: s.messageId,
    identified,
    // An anonymous message is attributed to whoever its anonymous id was stitched to.
    identifiers: identified ? identifiersOf(m, traits) : m.anonymousId ? [{ kind: 'anonymous', value: m.anonymousId }] : [],
    profile: identified ? profileOf(traits) : {},
  };
}

/** The source a batch came in by, as storing needs it. */
export type SourceRef = Pick<Source, 'id' | 'name' | 'channelId'>;

type StoreOptions = {
  source: SourceRef;
  /** Batches of one source in the order they were received, each with its messages. */
  batches: readonly { receivedAt: Date; messages: readonly Staged[] }[];
  now: Date;
  defaultCurrency: (db: Db) => Promise<string>;
};

/**
 * Who each message belongs to: identified messages are resolved for the whole batch at once (see
 * `resolveCustomers`); anonymous ones belong to whoever their anonymous id was stitched to — possibly
 * by an identify earlier in this very batch, so they are looked up after.
 */
async function resolveSenders(trx: Db, keyring: Keyring, opts: StoreOptions, messages: Prepared[]): Promise<(number | null)[]> {
  const senders: (number | null)[] = messages.map(() => null);
  const identified = messages.flatMap((a, i) => (a.identified ? [i] : []));
  const resolved = await resolveCustomers(
    trx,
    keyring,
    identified.map((i) => ({ identifiers: messages[i].identifiers, profile: messages[i].profile })),
    { source: `tracking:${opts.source.name}`, firstChannelId: opts.source.channelId, now: opts.now },
  );
  identified.forEach((i, j) => {
    senders[i] = resolved[j].customerId;
  });
  const anonymous = messages.flatMap((a, i) => (!a.identified && a.identifiers.length > 0 ? [i] : []));
  const known = await findKnownCustomers(
    trx,
    keyring,
    anonymous.map((i) => messages[i].identifiers),
    opts.now,
  );
  anonymous.forEach((i, j) => {
    senders[i] = known[j];
  });
  return senders;
}

/**
 * Stores accepted batches of one source, in the caller's transaction: messages are deduplicated by messageId (per
 * source; against those stored before and across these batches), resolved to customers (set-based, see
 * `resolveSenders`), logged as events in one statement, and e-commerce events update orders and products.
 */
export async function storeMessages(trx: Db, keyring: Keyring, opts: StoreOptions): Promise<void> {
  const seenInBatches = new Set<string>();
  const prepared: Prepared[] = [];
  for (const batch of opts.batches) {
    for (const s of batch.messages) {
      if (s.messageId && seenInBatches.has(s.messageId)) continue;
      if (s.messageId) seenInBatches.add(s.messageId);
      prepared.push(prepare(s, batch.receivedAt));
    }
  }
  if (prepared.length === 0) return;
  let currency: Promise<string> | undefined;
  const defaultCurrency = () => (currency ??= opts.defaultCurrency(trx));
  const ids = [...seenInBatches];
  const seen =
    ids.length > 0
      ? new Set(
          (await sql<{ message_id: string }>`select message_id from events where message_id = any(${ids}::text[])`.execute(trx)).rows.map(
            (r) => r.message_id,
          ),
        )
      : new Set<string>();
  const fresh = prepared.filter((a) => !a.messageId || !seen.has(a.messageId));
  const senders = await resolveSenders(trx, keyring, opts, fresh);
  const { messageIds } = await insertEvents(
    trx,
    fresh.map((a, i) => ({
      customerId: senders[i],
      anonymousId: a.m.anonymousId ?? null,
      type: a.m.type,
      name: eventName(a.m),
      properties: propertiesOf(a.m),
      occurredAt: a.at,
      receivedAt: a.receivedAt,
      messageId: a.messageId,
      sourceId: opts.source.id,
    })),
  );
  for (const [i, a] of fresh.entries()) {
    // Stored now, or lost a race with the same message sent concurrently.
    if (a.messageId && !messageIds.has(a.messageId)) continue;
    if (a.m.type === 'track') {
      await applyEcommerce(trx, a.m.event, a.m.properties ?? {}, {
        customerId: senders[i],
        channelId: opts.source.channelId,
        messageId: a.messageId ?? null,
        source: `tracking:${opts.source.name}`,
        occurredAt: a.at,
        now: opts.now,
        defaultCurrency,
      });
    }
  }
}
