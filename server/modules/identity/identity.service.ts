import { sql } from 'kysely';
import type { Db, Gender, IdentityKind } from '../../db/index.ts';
import { type Keyring, blindIndex, encryptField } from '../../platform/crypto.ts';
import { DEFAULT_RULES, getIdentityRules, links } from './identity-rules.ts';
import { quarantineValues } from './quarantine.store.ts';
import { stitchAnonymousEvents } from '../events/index.ts';
import {
  phoneTailIndex,
  customerErrors,
  normalizeEmail,
  normalizeExternalId,
  normalizePhone,
  createProfile,
  updateProfile,
  rememberAddresses,
  sightingOf,
  currentColumns,
  effectiveChanges,
  type FillMode,
  canonicalCity,
  canonicalProvince,
} from '../customers/index.ts';

/** One way of recognising a person: an e-mail, a phone, a per-channel external id, or an anonymous id. */
export type Identifier = { kind: IdentityKind; value: string; channel?: string };

export type ProfilePatch = {
  name?: string | null;
  gender?: Gender;
  birthday?: string | null;
  province?: string | null;
  city?: string | null;
  district?: string | null;
  locale?: string | null;
  timeZone?: string | null;
  address?: string | null;
};

export type ResolveOptions = {
  identifiers: Identifier[];
  profile?: ProfilePatch;
  source: string;
  firstChannelId?: number | null;
  now: Date;
  /** Profile fields an existing person already has: replaced (default) or kept (`fill`, as an import does). */
  fill?: FillMode;
};

export type ResolveResult = {
  customerId: number;
  created: boolean;
  rejected: { identifier: Identifier; reason: string }[];
  /** The address of the profile patch as a stored address (for an order's shipping address). */
  addressId?: number | null;
  /** An existing person's profile columns this call changed, as they were before. */
  before?: Record<string, unknown>;
};

export type Keyed = { kind: IdentityKind; channel: string; key: string; plain: string };

export const keyId = (i: { kind: string; channel: string; key: string }) => `${i.kind}|${i.channel}|${i.key}`;

const PRIORITY: Record<IdentityKind, number> = { external: 0, phone: 1, email: 2, anonymous: 3 };

export function keyed(keyring: Keyring, id: Identifier): Keyed | string {
  const channel = id.kind === 'external' ? (id.channel ?? '').trim().toLowerCase() : '';
  if (id.kind === 'external' && !channel) return 'an external id needs its channel';
  if (id.kind === 'email') {
    const email = normalizeEmail(id.value);
    return email ? { kind: 'email', channel, key: blindIndex(keyring, 'email', email), plain: email } : 'not a valid e-mail address';
  }
  if (id.kind === 'phone') {
    const phone = normalizePhone(id.value);
    return phone ? { kind: 'phone', channel, key: blindIndex(keyring, 'phone', phone), plain: phone } : 'not a valid phone number';
  }
  const value = id.kind === 'external' ? normalizeExternalId(id.value) : id.value.trim();
  return value ? { kind: id.kind, channel, key: value, plain: value } : 'empty identifier';
}

/** Why each identifier is unusable, when none of them can be used (else null). */
export function unusableIdentifiers(keyring: Keyring, ids: readonly Identifier[]): ResolveResult['rejected'] | null {
  const reasons = ids.map((identifier) => ({ identifier, reason: keyed(keyring, identifier) }));
  return reasons.every((r) => typeof r.reason === 'string') ? (reasons as ResolveResult['rejected']) : null;
}

/** Serialises concurrent ingests of the same person (same identifier) without table locks; one statement, keys in a fixed order. */
export async function lockIdentifiers(trx: Db, ids: readonly Keyed[]) {
  const keys = [...new Set(ids.map(keyId))].sort();
  if (keys.length > 0) await sql`select pg_advisory_xact_lock(hashtextextended(k, 0)) from unnest(${keys}::text[]) as k`.execute(trx);
}

async function erasedIdentifiers(trx: Db, ids: Keyed[]): Promise<Keyed[]> {
  if (ids.length === 0) return [];
  const rows = await trx
    .selectFrom('identity_tombstones')
    .select(['kind', 'channel', 'key'])
    .where((eb) => eb.or(ids.map((i) => eb.and([eb('kind', '=', i.kind), eb('channel', '=', i.channel), eb('key', '=', i.key)]))))
    .execute();
  return ids.filter((i) => rows.some((r) => r.kind === i.kind && r.channel === i.channel && r.key === i.key));
}

/** Erasure: the person's identifiers become tombstones and stop pointing at them. */
export async function tombstoneIdentities(trx: Db, customerId: number, requestId: number | null): Promise<number> {
  const rows = await trx
    .selectFrom('customer_identities')
    .select(['kind', 'channel', 'key'])
    .where('customer_id', '=', customerId)
    .execute();
  if (rows.length > 0) {
    await trx
      .insertInto('identity_tombstones')
      .values(rows.map((r) => ({ kind: r.kind, channel: r.channel, key: r.key, request_id: requestId })))
      .onConflict((oc) => oc.columns(['kind', 'channel', 'key']).doNothing())
      .execute();
  }
  await trx.deleteFrom('customer_identities').where('customer_id', '=', customerId).execute();
  return rows.length;
}

async function findOwners(trx: Db, ids: Keyed[]) {
  if (ids.length === 0) return [];
  return trx
    .selectFrom('customer_identities')
    .select(['customer_id', 'kind', 'channel', 'key'])
    .where((eb) => eb.or(ids.map((i) => eb.and([eb('kind', '=', i.kind), eb('channel', '=', i.channel), eb('key', '=', i.key)]))))
    .execute();
}

/** Does the customer already hold a different external id on one of these channels? (→ a different person) */
async function conflictingChannels(trx: Db, customerId: number, ids: Keyed[]): Promise<boolean> {
  const external = ids.filter((i) => i.kind === 'external');
  if (external.length === 0) return false;
  const held = await trx
    .selectFrom('customer_identities')
    .select(['channel', 'key'])
    .where('customer_id', '=', customerId)
    .where('kind', '=', 'external')
    .where(
      'channel',
      'in',
      external.map((i) => i.channel),
    )
    .execute();
  return held.some((h) => external.some((i) => i.channel === h.channel && i.key !== h.key));
}

function profileColumns(keyring: Keyring, p: ProfilePatch, ids: Keyed[]) {
  const email = ids.find((i) => i.kind === 'email');
  const phone = ids.find((i) => i.kind === 'phone');
  const set: Record<string, unknown> = {};
  if (p.name !== undefined) set.name = p.name?.trim() || null;
  if (p.gender !== undefined) set.gender = p.gender;
  if (p.birthday !== undefined) set.birthday = p.birthday;
  if (p.province !== undefined) set.province = canonicalProvince(p.province);
  if (p.city !== undefined) set.city = canonicalCity(p.city, canonicalProvince(p.province));
  if (p.district !== undefined) set.district = p.district;
  if (p.locale !== undefined) set.locale = p.locale;
  if (p.timeZone !== undefined) set.time_zone = p.timeZone;
  if (p.address) set.address_enc = encryptField(keyring, p.address.trim());
  if (email) Object.assign(set, { email_enc: encryptField(keyring, email.plain), email_bidx: email.key });
  if (phone) Object.assign(set, { phone_enc: encryptField(keyring, phone.plain), phone_bidx: phone.key });
  return set;
}

/** Adds identifiers to a person (one statement); one already held (by them) only has its last-seen time moved. */
export async function insertIdentities(trx: Db, keyring: Keyring, customerId: number, ids: readonly Keyed[], source: string, now: Date) {
  if (ids.length === 0) return;
  await trx
    .insertInto('customer_identities')
    .values(
      ids.map((i) => ({
        customer_id: customerId,
        kind: i.kind,
        channel: i.channel,
        key: i.key,
        value_enc: i.kind === 'email' || i.kind === 'phone' ? encryptField(keyring, i.plain) : null,
        tail_bidx: i.kind === 'phone' ? phoneTailIndex(keyring, i.plain) : null,
        source,
        first_seen_at: now,
        last_seen_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(['kind', 'channel', 'key']).doUpdateSet({ last_seen_at: now }))
    .execute();
}

/**
 * Finds the person these identifiers belong to, or creates them, inside the caller's transaction.
 * Rules: the same external id (per channel), phone or e-mail → the same person, in that order of
 * trust (a phone or e-mail does not join a new platform id to its holder when the identity rules say
 * so); identifiers already held by another person stay there (no silent automatic merge); a person
 * who holds a different external id on the same channel is a different person. Anonymous ids are
 * stitched: their earlier events move to the person. Phones and e-mails that fail cleansing are kept in
 * quarantine with the reason, attached to the person, until someone fixes or dismisses them.
 */
export async function resolveCustomer(trx: Db, keyring: Keyring, opts: ResolveOptions): Promise<ResolveResult> {
  const rejected: ResolveResult['rejected'] = [];
  const ids: Keyed[] = [];
  const invalid: ResolveResult['rejected'] = [];
  for (const identifier of opts.identifiers) {
    const k = keyed(keyring, identifier);
    if (typeof k === 'string') {
      rejected.push({ identifier, reason: k });
      if ((identifier.kind === 'email' || identifier.kind === 'phone') && identifier.value.trim())
        invalid.push({ identifier, reason: `invalid_${identifier.kind}` });
    } else if (!ids.some((i) => i.kind === k.kind && i.channel === k.channel && i.key === k.key)) ids.push(k);
  }
  await lockIdentifiers(trx, ids);
  const erased = await erasedIdentifiers(trx, ids);
  if (erased.length > 0) {
    for (const e of erased)
      rejected.push({
        identifier: opts.identifiers.find((i) => i.kind === e.kind) ?? { kind: e.kind, value: '' },
        reason: 'erased at the person’s request',
      });
    ids.splice(0, ids.length, ...ids.filter((i) => !erased.includes(i)));
    if (ids.length === 0) throw customerErrors.erased();
  }
  const owners = (await findOwners(trx, ids)).sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind] || a.customer_id - b.customer_id);
  // A record with a platform id not seen before is a new person when only phones or e-mails the rules do
  // not link by point elsewhere (family members sharing a phone); without a platform id they still find their holder.
  const withNewPlatformId = ids.some((i) => i.kind === 'external' && !owners.some((o) => keyId(o) === keyId(i)));
  const rules =
    withNewPlatformId && owners.some((o) => o.kind === 'phone' || o.kind === 'email') ? await getIdentityRules(trx) : DEFAULT_RULES;
  const linking = owners.filter((o) => links(rules, o.kind));
  let customerId: number | null = linking.length > 0 ? linking[0].customer_id : null;
  if (customerId !== null && !linking.some((o) => o.kind === 'external') && (await conflictingChannels(trx, customerId, ids)))
    customerId = null;
  const profile = profileColumns(keyring, opts.profile ?? {}, ids);
  const created = customerId === null;
  if (customerId === null) {
    customerId = await createProfile(trx, {
      gender: 'unknown',
      first_channel_id: opts.firstChannelId ?? null,
      created_at: opts.now,
      updated_at: opts.now,
      ...profile,
    });
  }
  let before: Record<string, unknown> | undefined;
  if (!created && Object.keys(profile).length > 0) {
    const changes = effectiveChanges(profile, await currentColumns(trx, customerId, Object.keys(profile)), opts.fill ?? 'overwrite');
    if (Object.keys(changes.apply).length > 0) {
      await updateProfile(trx, customerId, changes.apply, opts.now);
      before = changes.before;
    }
  }
  const target: number = customerId;
  const claimed = new Set(owners.filter((o) => o.customer_id !== target).map(keyId));
  const mine = ids.filter((i) => !claimed.has(keyId(i)));
  await insertIdentities(trx, keyring, target, mine, opts.source, opts.now);
  await quarantineValues(trx, keyring, { customerId: target, values: invalid, source: opts.source, now: opts.now });
  const [addressId] = opts.profile?.address ? await rememberAddresses(trx, keyring, [sightingOf(target, opts.profile)], opts) : [null];
  await stitchAnonymousEvents(
    trx,
    mine.filter((i) => i.kind === 'anonymous').map((i) => ({ anonymousId: i.key, customerId: target })),
  );
  return { customerId: target, created, rejected, addressId, before };
}
