import type { Db } from '../../db/index.ts';
import { sharedResult } from '../../platform/shared-result.ts';

/**
 * Stored answers to the analytics questions that scan every order (the dashboard, the reports). A question is a
 * report and its parameters; its last answer is a row of analytics_snapshots. A viewer gets the stored answer at
 * once; one older than a minute is served while the next is computed in the background; only a question nobody
 * has asked before is computed while the viewer waits. The nightly recompute refreshes every question asked in
 * the last week, drops the others, and answers the questions the pages open with even if nobody asked them yet
 * (a first visit to a large shop's analytics would otherwise wait for every report at once).
 */

/** An answer younger than this is served as it is. */
const FRESH_MS = 60_000;
/** Questions nobody asked for this long are dropped by the nightly refresh. */
const FORGET_MS = 7 * 86_400_000;

type Params = Record<string, string | number | undefined>;
type Compute = (db: Db, params: never, now: Date) => Promise<unknown>;
/** The store settings a question's parameters may carry. */
export type StoreView = { timeZone: string; currency: string };
/** The parameters a page opens with (its filters unset), given the store settings. */
type Opening<P> = (store: StoreView) => P;

/** Every stored question by name, for the nightly refresh. */
const questions = new Map<string, { compute: Compute; opening?: Opening<Params> }>();
/** One computation per question at a time in this process, shared by every viewer asking it. */
const computations = new WeakMap<Db, ReturnType<typeof sharedResult<unknown>>>();

/** Parameters in a stable order without the unset ones: the same question has the same key. */
const normalise = (params: Params): Params =>
  Object.fromEntries(
    Object.entries(params)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/** An answer says when it was computed. */
type Answer<R> = R & { asOf: string };

export type StoredQuestion<P extends Params, R> = {
  /** The stored answer (see above); `onRefreshFailed` hears of a background computation that failed. */
  answer(db: Db, params: P, now: Date, onRefreshFailed: (err: unknown) => void): Promise<Answer<R>>;
  /** Computes the answer now and stores it. */
  refresh(db: Db, params: P, now: Date, asked?: boolean): Promise<Answer<R>>;
};

export function storedQuestion<P extends Params, R extends object>(
  name: string,
  compute: (db: Db, params: P, now: Date) => Promise<R>,
  opening?: Opening<P>,
): StoredQuestion<P, R> {
  if (questions.has(name)) throw new Error(`stored question ${name} is defined twice`);
  questions.set(name, { compute: compute as Compute, opening });
  const refresh = (db: Db, params: P, now: Date, asked = false) =>
    computeAndStore(db, name, normalise(params), now, asked) as Promise<Answer<R>>;
  return {
    refresh,
    async answer(db, params, now, onRefreshFailed) {
      const key = keyOf(name, normalise(params));
      const stored = await db.selectFrom('analytics_snapshots').select(['body', 'computed_at']).where('key', '=', key).executeTakeFirst();
      if (stored && now.getTime() - stored.computed_at.getTime() < FRESH_MS) return stored.body as Answer<R>;
      const fresh = refresh(db, params, now, true);
      if (!stored) return fresh;
      fresh.catch(onRefreshFailed);
      return stored.body as Answer<R>;
    },
  };
}

const keyOf = (name: string, params: Params) => `${name}:${JSON.stringify(params)}`;

function computeAndStore(db: Db, name: string, params: Params, now: Date, asked: boolean): Promise<unknown> {
  let shared = computations.get(db);
  if (!shared) {
    shared = sharedResult<unknown>(FRESH_MS);
    computations.set(db, shared);
  }
  const key = keyOf(name, params);
  return shared(key, now.getTime(), async () => {
    const compute = questions.get(name)?.compute;
    if (!compute) throw new Error(`no stored question is named ${name}`);
    const t0 = performance.now();
    const body = { ...((await compute(db, params as never, now)) as object), asOf: now.toISOString() };
    const row = { body: JSON.stringify(body), computed_at: now, compute_ms: Math.round(performance.now() - t0) };
    await db
      .insertInto('analytics_snapshots')
      .values({ key, name, params: JSON.stringify(params), ...row, asked_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet(asked ? { ...row, asked_at: now } : row))
      .execute();
    return body;
  });
}

/**
 * The nightly refresh: every question asked in the last week, computed again; the others dropped; then, given the
 * store settings, the pages' opening questions that are not stored yet. Returns how many were computed.
 */
export async function refreshStoredAnswers(db: Db, now: Date, store?: StoreView): Promise<number> {
  await db
    .deleteFrom('analytics_snapshots')
    .where('asked_at', '<', new Date(now.getTime() - FORGET_MS))
    .execute();
  const stored = await db.selectFrom('analytics_snapshots').select(['key', 'name', 'params']).orderBy('key').execute();
  const done = new Set<string>();
  for (const { name, params } of stored) {
    if (!questions.has(name)) continue;
    // jsonb keeps its keys in its own order: normalised again, the parameters give the same key.
    const normalised = normalise(params as Params);
    await computeAndStore(db, name, normalised, now, false);
    done.add(keyOf(name, normalised));
  }
  if (store) {
    for (const [name, { opening }] of questions) {
      const params = opening ? normalise(opening(store)) : null;
      if (!params || done.has(keyOf(name, params))) continue;
      await computeAndStore(db, name, params, now, false);
      done.add(keyOf(name, params));
    }
  }
  return done.size;
}
