import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { type Keyring, encryptOptional } from '../../platform/crypto.ts';
import {
  type Identifier,
  type Keyed,
  type ProfilePatch,
  type ResolveResult,
  keyed,
  keyId,
  lockIdentifiers,
  resolveCustomer,
} from './identity.service.ts';
import { stitchAnonymousEvents } from '../events/index.ts';
import { insertCustomers } from './people.bulk.ts';
import {
  type BeforeImage,
  type FillMode,
  type NewCustomer,
  canonicalCity,
  canonicalProvince,
  patchProfiles,
  rememberAddresses,
  sightingOf,
} from '../customers/index.ts';

/**
 * Identity resolution for a whole batch (tracking batches, import batches), with the same rules as
 * `resolveCustomer` but set-based where nothing is ambiguous: people who already hold every identifier
 * of a request and people who are entirely new are found or created with a handful of statements for
 * the batch; everything else (a new identifier for a known person, a profile to update, identifiers held
 * by different people, erased or invalid identifiers) goes through `resolveCustomer`, one at a time, in order.
 */

type Owners = { owner: Map<string, number>; erased: Set<string> };

/**
 * Who holds each key, and which keys are erased, in one query; refreshes last-seen (at most once a minute)
 * of the identities that are stale, by id — most keys of a batch were seen within the minute or are new,
 * and probing every key a second time for an update that changes nothing cost a third of the lookup.
 */
async function lookupOwners(trx: Db, keys: readonly Keyed[], now: Date): Promise<Owners> {
  const unique = [...new Map(keys.map((k) => [keyId(k), k])).values()];
  if (unique.length === 0) return { owner: new Map(), erased: new Set() };
  const staleBefore = new Date(now.getTime() - 60_000);
  const rows = await sql<{ id: number | null; customer_id: number | null; stale: boolean; kind: string; channel: string; key: string }>`
    with wanted as (select * from unnest(${unique.map((k) => k.kind)}::text[], ${unique.map((k) => k.channel)}::text[], ${unique.map((k) => k.key)}::text[]) as w(kind, channel, key))
    select i.id, i.customer_id, i.last_seen_at < ${staleBefore} as stale, kind, channel, key from customer_identities i join wanted w using (kind, channel, key)
    union all
    select null, null, false, kind, channel, key from identity_tombstones t join wanted w using (kind, channel, key)`.execute(trx);
  const owners: Owners = { owner: new Map(), erased: new Set() };
  const stale: number[] = [];
  for (const r of rows.rows) {
    if (r.customer_id === null) owners.erased.add(keyId(r));
    else owners.owner.set(keyId(r), Number(r.customer_id));
    if (r.stale) stale.push(Number(r.id));
  }
  if (stale.length > 0) {
    await sql`update customer_identities set last_seen_at = ${now} where id = any(${stale}::bigint[]) and last_seen_at < ${staleBefore}`.execute(
      trx,
    );
  }
  return owners;
}

/** Every identifier valid and distinct, or null (the request then needs `resolveCustomer`'s per-identifier report). */
function keyAll(keyring: Keyring, ids: readonly Identifier[]): Keyed[] | null {
  const out = new Map<string, Keyed>();
  for (const id of ids) {
    const k = keyed(keyring, id);
    if (typeof k === 'string') return null;
    out.set(keyId(k), k);
  }
  return out.size > 0 ? [...out.values()] : null;
}

/** The one person holding every key, if there is one. */
function soleOwner(keys: readonly Keyed[], owners: Owners): number | null {
  const held = new Set(keys.map((k) => owners.owner.get(keyId(k)) ?? null));
  const [only] = held;
  return held.size === 1 && only !== null && only !== undefined ? only : null;
}

/**
 * For each request, the person who already holds every one of its identifiers, or null. Nothing is
 * created: this is how anonymous messages are attributed to whoever their anonymous id was stitched to.
 * Identifiers nobody holds are locked (as `resolveCustomer` locks them) and looked up again: a transaction giving
 * them to someone meanwhile is waited for and seen, and one starting later waits for this one — so its stitching
 * (which moves the anonymous events stored before it) sees the events this transaction stores. Without the lock, an
 * anonymous event stored at the same time as the identify naming its visitor could stay nobody's.
 */
export async function findKnownCustomers(
  trx: Db,
  keyring: Keyring,
  requests: readonly Identifier[][],
  now: Date,
): Promise<(number | null)[]> {
  const keyedRequests = requests.map((ids) => keyAll(keyring, ids));
  const keys = keyedRequests.flatMap((ks) => ks ?? []);
  const owners = await lookupOwners(trx, keys, now);
  const unowned = keys.filter((k) => !owners.owner.has(keyId(k)) && !owners.erased.has(keyId(k)));
  if (unowned.length > 0) {
    await lockIdentifiers(trx, unowned);
    const again = await lookupOwners(trx, unowned, now);
    for (const [k, v] of again.owner) owners.owner.set(k, v);
    for (const k of again.erased) owners.erased.add(k);
  }
  return keyedRequests.map((ks) => (ks ? soleOwner(ks, owners) : null));
}

export type ResolveRequest = { identifiers: Identifier[]; profile?: ProfilePatch };
export type BatchResolveOptions = { source: string; firstChannelId?: number | null; now: Date; fill?: FillMode };

const isEmptyPatch = (p: ProfilePatch | undefined) => !p || Object.values(p).every((v) => v === undefined);
/** Profile fields a bulk-created person can start with (the rest need `resolveCustomer`). */
const BULK_FIELDS: readonly (keyof ProfilePatch)[] = ['name', 'gender', 'birthday', 'province', 'city', 'district', 'address'];
const bulkable = (p: ProfilePatch | undefined) =>
  !p || Object.entries(p).every(([f, v]) => v === undefined || BULK_FIELDS.includes(f as keyof ProfilePatch));

/** A patch that only sets bulk fields to values (no clearing), so `coalesce(new, old)` applies it exactly. */
const settable = (p: ProfilePatch | undefined) => bulkable(p) && Object.values(p ?? {}).every((v) => v !== null);

type ProfileUpdate = { customerId: number; patch: ProfilePatch };

/** Patches applied in order, later ones winning field by field (an undefined field was not given). */
const mergePatches = (patches: readonly (ProfilePatch | undefined)[]): ProfilePatch =>
  Object.assign({}, ...patches.map((p) => Object.fromEntries(Object.entries(p ?? {}).filter(([, v]) => v !== undefined))));

/** The bulk fields of a patch, cleaned as `resolveCustomer` cleans them (null: not given). */
function cleanFields(p: ProfilePatch) {
  const province = p.province ? canonicalProvince(p.province) : null;
  return {
    name: p.name?.trim() || null,
    gender: p.gender ?? null,
    birthday: p.birthday ?? null,
    province,
    city: p.city ? canonicalCity(p.city, province) : null,
    district: p.district ?? null,
    address: p.address?.trim() || null,
  };
}

/**
 * Applies the profile patches of known people in one statement (later patches of one person win field by field);
 * `fill` keeps the fields a person has. Returns the changed people's columns as they were before.
 */
async function updateProfiles(
  trx: Db,
  keyring: Keyring,
  updates: readonly ProfileUpdate[],
  now: Date,
  mode: FillMode,
): Promise<BeforeImage[]> {
  if (updates.length === 0) return [];
  const byCustomer = new Map<number, ProfilePatch[]>();
  for (const u of updates) byCustomer.set(u.customerId, [...(byCustomer.get(u.customerId) ?? []), u.patch]);
  const rows = [...byCustomer.entries()].map(([id, patches]) => {
    const f = cleanFields(mergePatches(patches));
    return { id, ...f, address: encryptOptional(keyring, f.address) };
  });
  return patchProfiles(trx, rows, now, mode);
}

type NewPerson = { keys: Keyed[]; members: number[] };

function newCustomerOf(person: NewPerson, requests: readonly ResolveRequest[], o: BatchResolveOptions): NewCustomer {
  // Later requests of the same person win field by field, as they would one at a time.
  const f = cleanFields(mergePatches(person.members.map((i) => requests[i].profile)));
  const plain = (kind: string) => person.keys.find((k) => k.kind === kind)?.plain ?? null;
  return {
    ...f,
    gender: f.gender ?? 'unknown',
    firstChannelId: o.firstChannelId ?? null,
    email: plain('email'),
    phone: plain('phone'),
    externalIds: person.keys.filter((k) => k.kind === 'external').map((k) => ({ channel: k.channel, id: k.key })),
    anonymousIds: person.keys.filter((k) => k.kind === 'anonymous').map((k) => k.key),
    createdAt: o.now,
  };
}

/** Creates the entirely new people of a batch; a person someone claimed an identifier of meanwhile stays unresolved (→ `resolveCustomer`). */
async function createNewPeople(
  trx: Db,
  keyring: Keyring,
  people: NewPerson[],
  requests: readonly ResolveRequest[],
  o: BatchResolveOptions,
  results: (ResolveResult | null)[],
) {
  const keys = people.flatMap((p) => p.keys);
  await lockIdentifiers(trx, keys);
  const now = await lookupOwners(trx, keys, o.now);
  const creatable = people.filter((p) => p.keys.every((k) => !now.owner.has(keyId(k)) && !now.erased.has(keyId(k))));
  const ids = await insertCustomers(
    trx,
    keyring,
    creatable.map((p) => newCustomerOf(p, requests, o)),
    o.source,
  );
  creatable.forEach((p, n) => {
    p.members.forEach((i, m) => {
      results[i] = { customerId: ids[n], created: m === 0, rejected: [] };
    });
  });
  // Stitch: the visitor's earlier anonymous events move to the new person.
  await stitchAnonymousEvents(
    trx,
    creatable.flatMap((p, n) => p.keys.filter((k) => k.kind === 'anonymous').map((k) => ({ anonymousId: k.key, customerId: ids[n] }))),
  );
}

/** `resolveCustomer` for many requests at once; results in request order. */
export async function resolveCustomers(
  trx: Db,
  keyring: Keyring,
  requests: readonly ResolveRequest[],
  o: BatchResolveOptions,
): Promise<ResolveResult[]> {
  const results: (ResolveResult | null)[] = requests.map(() => null);
  const keyedRequests = requests.map((r) => keyAll(keyring, r.identifiers));
  const owners = await lookupOwners(
    trx,
    keyedRequests.flatMap((ks) => ks ?? []),
    o.now,
  );
  const people = new Map<string, NewPerson>();
  const claimedBy = new Map<string, string>();
  const updates: ProfileUpdate[] = [];
  for (const [i, ks] of keyedRequests.entries()) {
    if (!ks) continue;
    const owner = soleOwner(ks, owners);
    if (owner !== null && (isEmptyPatch(requests[i].profile) || settable(requests[i].profile))) {
      results[i] = { customerId: owner, created: false, rejected: [] };
      if (!isEmptyPatch(requests[i].profile)) updates.push({ customerId: owner, patch: requests[i].profile! });
      continue;
    }
    const unknown = ks.every((k) => !owners.owner.has(keyId(k)) && !owners.erased.has(keyId(k)));
    const signature = ks.map(keyId).sort().join('\n');
    // Entirely new, and sharing no identifier with a different new person of this batch.
    if (unknown && bulkable(requests[i].profile) && ks.every((k) => (claimedBy.get(keyId(k)) ?? signature) === signature)) {
      for (const k of ks) claimedBy.set(keyId(k), signature);
      const person = people.get(signature) ?? { keys: ks, members: [] };
      person.members.push(i);
      people.set(signature, person);
    }
  }
  if (people.size > 0) await createNewPeople(trx, keyring, [...people.values()], requests, o, results);
  const images = await updateProfiles(trx, keyring, updates, o.now, o.fill ?? 'overwrite');
  const firstResult = new Map<number, ResolveResult>();
  for (const r of results) if (r && !firstResult.has(r.customerId)) firstResult.set(r.customerId, r);
  for (const image of images) firstResult.get(image.customerId)!.before = image.fields;
  const addressed = [...results.keys()].filter((i) => results[i] !== null && requests[i].profile?.address);
  const addressIds = await rememberAddresses(
    trx,
    keyring,
    addressed.map((i) => sightingOf(results[i]!.customerId, requests[i].profile!)),
    o,
  );
  addressed.forEach((i, n) => {
    results[i]!.addressId = addressIds[n];
  });
  for (const [i, r] of results.entries()) {
    if (r === null)
      results[i] = await resolveCustomer(trx, keyring, {
        identifiers: requests[i].identifiers,
        profile: requests[i].profile,
        source: o.source,
        firstChannelId: o.firstChannelId,
        now: o.now,
        fill: o.fill,
      });
  }
  return results as ResolveResult[];
}
