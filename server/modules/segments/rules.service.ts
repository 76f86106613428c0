import { sql } from 'kysely';
import type { RuleGroup } from '../../../contracts/segments.ts';
import { type Db, type IdRange, applyAnalyticalSettings, customerIdRanges, inSample, sampleStep } from '../../db/index.ts';
import { todayIn } from '../../platform/clock.ts';
import type { SegmentField } from '../../platform/registry.ts';
import { type CompileContext, categoriesIn, idAndNetSpent, invalidRule, matchingCustomers, referencedSegments } from './compiler.ts';

export type Clock = { now: Date; timeZone: string; fields?: readonly SegmentField[] };

/** What compiling `rules` needs to know from the database: attribute types and the products of the categories named. */
export async function compileContext(db: Db, clock: Clock, rules: readonly RuleGroup[]): Promise<CompileContext> {
  const defs = await db.selectFrom('attribute_definitions').select(['key', 'type', 'options']).execute();
  const categories = [...new Set(rules.flatMap(categoriesIn))];
  const products =
    categories.length > 0 ? await db.selectFrom('products').select(['id', 'category']).where('category', 'in', categories).execute() : [];
  const categoryProducts = new Map<string, number[]>();
  for (const p of products) {
    const ids = categoryProducts.get(p.category) ?? [];
    ids.push(Number(p.id));
    categoryProducts.set(p.category, ids);
  }
  return {
    now: clock.now,
    today: todayIn(clock.timeZone, clock.now),
    timeZone: clock.timeZone,
    attributes: new Map(defs.map((d) => [d.key, { type: d.type, options: d.options }])),
    categoryProducts,
    useActivity: true,
    fields: new Map((clock.fields ?? []).map((f) => [f.key, f])),
  };
}

/** Which of `ids` match `rules` at this moment (a journey's entry rules and conditions): one statement. */
export async function customersMatching(db: Db, clock: Clock, rules: RuleGroup, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const ctx: CompileContext = { ...(await compileContext(db, clock, [rules])), only: ids };
  const rows = await sql<{ id: number }>`${matchingCustomers(rules, ctx, sql`c.id = any(${[...ids]}::bigint[])`)}`.execute(db);
  return new Set(rows.rows.map((r) => Number(r.id)));
}

async function checkReferences(db: Db, rules: RuleGroup, selfId: number | null) {
  const all = await db.selectFrom('segments').select(['id', 'rules']).execute();
  const refs = new Map(all.map((s) => [Number(s.id), s.rules ? referencedSegments(s.rules as RuleGroup) : []]));
  const direct = referencedSegments(rules);
  for (const id of direct) if (!refs.has(id)) throw invalidRule('rules', `segment ${id} does not exist`);
  if (selfId === null) return;
  const seen = new Set<number>();
  const stack = [...direct];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === selfId) throw invalidRule('rules', 'a segment cannot include itself, directly or through other segments');
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(refs.get(id) ?? []));
  }
}

/** Compiles a rule tree (throwing SEGMENT_RULE_INVALID with the node) and checks its segment references. */
export async function compileChecked(db: Db, rules: RuleGroup, clock: Clock, selfId: number | null) {
  const ctx = await compileContext(db, clock, [rules]);
  const target = matchingCustomers(rules, ctx);
  await checkReferences(db, rules, selfId);
  return { target, ctx };
}

/** An estimate decides the rules for about this many customers. */
const ESTIMATE_SAMPLE = 10_000;

/**
 * The count of a rule tree estimated while it is edited, as the builders of Braze and Klaviyo show one: the
 * rules are decided for a sample of about 10,000 customers (`sampleStep`: by a hash of the id) and the share
 * that matches is scaled to all, with a 95% Wilson interval. Order and event conditions aggregate only the sample's rows (index
 * lookups), so the time does not grow with the shop; the exact count (previewRules) follows. A shop that small
 * gets the exact count.
 */
export async function estimateRules(db: Db, rules: RuleGroup, clock: Clock, sampleSize = ESTIMATE_SAMPLE) {
  const { ctx } = await compileChecked(db, rules, clock, null);
  const started = performance.now();
  return db.transaction().execute(async (trx) => {
    await applyAnalyticalSettings(trx);
    // The population and the sample from one scan of the customers.
    const every = await sampleStep(trx, 'customers', sampleSize);
    const drawn = await sql<{ population: number; ids: number[] | null }>`
      select count(*)::int as population, array_agg(id) filter (where ${inSample(sql`id`, every)}) as ids
      from customers where merged_into is null and erased_at is null`.execute(trx);
    const { population } = drawn.rows[0];
    const ids = (drawn.rows[0].ids ?? []).map(Number);
    const exact = every === 1;
    const target = matchingCustomers(rules, exact ? ctx : { ...ctx, only: ids }, exact ? sql`true` : sql`c.id = any(${ids}::bigint[])`);
    const matched = Number((await sql<{ n: number }>`select count(*)::int as n from (${target}) t`.execute(trx)).rows[0].n);
    const n = exact ? population : ids.length;
    const [low, high] = exact || n === 0 ? [matched, matched] : wilson(matched, n).map((p) => Math.round(p * population));
    return {
      count: exact || n === 0 ? matched : Math.round((matched / n) * population),
      low,
      high,
      sampled: n,
      population,
      exact,
      tookMs: Math.round(performance.now() - started),
    };
  });
}

/** The 95% Wilson score interval of a proportion (k of n). */
function wilson(k: number, n: number): [number, number] {
  const z = 1.96;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * A large shop's count runs as this many customer-id ranges side by side: one statement is one core, and each
 * also waits on reads, so one more range than this class of machine's two cores kept both busy (scale L: two
 * ranges 1.1 s, three 0.85 s, four 0.95 s; bench/README.md).
 */
const COUNT_RANGES = 3;
/** Below this many customers (the planner's estimate) one statement is quicker than several (`splitFrom` overrides it). */
const SPLIT_FROM = 200_000;

/** The customer-id ranges a count is split into, or one unrestricted pass for a smaller shop. */
async function countRanges(db: Db, splitFrom: number): Promise<(IdRange | undefined)[]> {
  const r = await sql<{ n: number }>`select greatest(reltuples, 0)::float8 as n from pg_class where oid = 'customers'::regclass`.execute(
    db,
  );
  if (Number(r.rows[0]?.n ?? 0) < splitFrom) return [undefined];
  const ranges = await customerIdRanges(db, { parts: COUNT_RANGES });
  return ranges.length > 0 ? ranges : [undefined];
}

type SampleRow = { id: number; name: string | null; province: string | null; lifecycle_stage: string | null; net_spent: number | null };
/** The preview's order: most spent first (no metrics last), then by id. */
const bySpent = (a: SampleRow, b: SampleRow) =>
  (b.net_spent ?? Number.NEGATIVE_INFINITY) - (a.net_spent ?? Number.NEGATIVE_INFINITY) || Number(a.id) - Number(b.id);

/**
 * Counts (and samples) the customers a rule tree matches now, without saving anything. A large shop's count is
 * the same statement over customer-id ranges run side by side (each range's sets restricted to it, see
 * `CompileContext.range`), summed; each range brings its own top of the sample.
 */
export async function previewRules(
  db: Db,
  rules: RuleGroup,
  clock: Clock,
  opts: { sample?: number; showSql?: boolean; splitFrom?: number } = {},
) {
  const { ctx, target } = await compileChecked(db, rules, clock, null);
  const started = performance.now();
  const limit = opts.sample ?? 20;
  const parts = await Promise.all(
    (await countRanges(db, opts.splitFrom ?? SPLIT_FROM)).map((range) =>
      db.transaction().execute(async (trx) => {
        await applyAnalyticalSettings(trx, { sideBySide: range !== undefined });
        // One statement: the matching set (with what the sample is ordered by) is computed once, then counted, and
        // only the sample's rows are read again.
        const row = await sql<{ n: number; sample: SampleRow[] }>`
          with t as materialized (${matchingCustomers(rules, { ...ctx, range }, sql`true`, idAndNetSpent(rules))})
          select (select count(*)::int from t) as n,
            (select coalesce(json_agg(x), '[]') from (
              select c.id, c.name, c.province, m.lifecycle_stage, m.net_spent
              from (select id from t order by net_spent desc nulls last, id limit ${limit}) top
              join customers c on c.id = top.id left join customer_metrics m on m.customer_id = c.id) x) as sample`.execute(trx);
        return row.rows[0];
      }),
    ),
  );
  const sample = parts
    .flatMap((p) => p.sample)
    .sort(bySpent)
    .slice(0, limit);
  return {
    count: parts.reduce((sum, p) => sum + p.n, 0),
    sample: sample.map((r) => ({
      id: Number(r.id),
      name: r.name,
      province: r.province,
      lifecycleStage: r.lifecycle_stage,
      netSpent: Number(r.net_spent ?? 0),
    })),
    sql: opts.showSql ? target.compile(db).sql : undefined,
    tookMs: Math.round(performance.now() - started),
  };
}
