import { type RawBuilder, sql } from 'kysely';
import { LIFECYCLE_STAGES, RFM_GROUPS } from '../../../contracts/analytics.ts';
import {
  type Condition,
  GENDERS,
  METRIC_FIELDS,
  OPERATORS,
  type PROFILE_FIELDS,
  type RuleGroup,
  type RuleNode,
  type ValueType,
  type Window,
} from '../../../contracts/segments.ts';
import { AppError } from '../../platform/errors.ts';
import type { SegmentField } from '../../platform/registry.ts';
import { canonicalCity, canonicalProvince } from '../customers/index.ts';

/**
 * Compiles a segment rule tree into one boolean SQL expression over `c` (customers) and `m`
 * (customer_metrics, left-joined). Identifiers come only from the whitelists in contracts/segments.ts and
 * the attribute registry; every value is a bound parameter. Set conditions (orders, events, tags,
 * identities, consents, other segments) compile to `c.id [not] in (subquery)`, which PostgreSQL runs as
 * one hashed pass per condition whatever the nesting (see bench/README.md).
 */

export type CompileContext = {
  now: Date;
  /** Today in the store time zone, YYYY-MM-DD. */
  today: string;
  timeZone: string;
  attributes: ReadonlyMap<string, { type: 'text' | 'number' | 'date' | 'boolean' | 'enum'; options: readonly string[] }>;
  /**
   * The incremental path: only these customers are being decided, so order and event conditions aggregate
   * only their rows (an index lookup) instead of every customer's.
   */
  only?: readonly number[];
  /**
   * The customer-id range being decided (a count split into ranges run side by side): every set condition that
   * can be restricted to the range (orders, events, activity, metrics) is, so each range reads its own share.
   */
  range?: { fromId: number; toId: number };
  /**
   * The products of each category the rules name (see `categoriesIn`). Item conditions name product ids,
   * not a join to products, so the planner sees which products (and from its statistics how many items)
   * they are: a category's best sellers can hold many times the average product's items.
   */
  categoryProducts: ReadonlyMap<string, readonly number[]>;
  /**
   * Order counts and event counts read `customer_activity` where they can (see `activityCondition`); false
   * decides every one from the orders and events themselves (the reference the activity path is tested against).
   */
  useActivity: boolean;
  /** The per-customer values modules declare (`field` conditions). */
  fields: ReadonlyMap<string, SegmentField>;
};

/** How many of a customer's newest times `customer_activity` keeps per kind and key. */
export const ACTIVITY_DEPTH = 10;

/** Every category an order condition of the tree filters on. */
export function categoriesIn(node: RuleNode): string[] {
  if (node.type === 'group') return [...new Set(node.children.flatMap(categoriesIn))];
  return node.type === 'orders' ? (node.filters?.categories ?? []) : [];
}

const productsOf = (categories: readonly string[], ctx: CompileContext) => [
  ...new Set(categories.flatMap((c) => ctx.categoryProducts.get(c) ?? [])),
];

export const MAX_DEPTH = 8;

const ENUM_VALUES: Record<string, readonly string[]> = {
  gender: GENDERS,
  lifecycle_stage: LIFECYCLE_STAGES,
  rfm_group: RFM_GROUPS,
};

export function invalidRule(path: string, reason: string): AppError {
  return new AppError('SEGMENT_RULE_INVALID', 'invalid', `Invalid segment rule at ${path}: ${reason}`, { path, reason });
}

type Sql = RawBuilder<unknown>;
/** A column of a given type; `isDate` marks SQL `date` values (compared as dates, not instants). */
type Column = { expr: Sql; type: ValueType; isDate?: boolean; enumValues?: readonly string[]; canonical?: (typed: string) => string };

const PROFILE_COLUMNS: Record<keyof typeof PROFILE_FIELDS, Column> = {
  name: { expr: sql`c.name`, type: 'text' },
  gender: { expr: sql`c.gender`, type: 'enum', enumValues: ENUM_VALUES.gender },
  birthday: { expr: sql`c.birthday`, type: 'date', isDate: true },
  // As the cleansing stores them: 上海 / 沪 / Shanghai → 上海市, 杭州 → 杭州市.
  province: { expr: sql`c.province`, type: 'text', canonical: (v) => canonicalProvince(v) ?? v },
  city: { expr: sql`c.city`, type: 'text', canonical: (v) => canonicalCity(v, null) ?? v },
  district: { expr: sql`c.district`, type: 'text' },
  locale: { expr: sql`c.locale`, type: 'text' },
  first_channel: { expr: sql`(select ch.code from channels ch where ch.id = c.first_channel_id)`, type: 'enum' },
  created_at: { expr: sql`c.created_at`, type: 'date' },
};

const metricColumn = (field: keyof typeof METRIC_FIELDS): Column => ({
  expr: sql`m.${sql.ref(field)}`,
  type: METRIC_FIELDS[field],
  enumValues: ENUM_VALUES[field],
});

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDateStr = (v: unknown): v is string => isStr(v) && ISO_DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));

function pair<T>(value: unknown, check: (v: unknown) => v is T, path: string, what: string): [T, T] {
  if (!Array.isArray(value) || value.length !== 2 || !value.every(check))
    throw invalidRule(path, `"between" needs [from, to] as two ${what}`);
  return [value[0], value[1]];
}

/** Start of a store-local day as an instant. */
const dayStart = (date: Sql, ctx: CompileContext) => sql`(${date})::timestamp at time zone ${ctx.timeZone}`;

function scalar(col: Column, operator: string, value: unknown, path: string, ctx: CompileContext): Sql {
  const allowed: readonly string[] = OPERATORS[col.type];
  if (!allowed.includes(operator))
    throw invalidRule(path, `operator "${operator}" does not apply to a ${col.type} field (use one of ${allowed.join(', ')})`);
  const e = col.expr;
  if (operator === 'is_set') return sql`${e} is not null`;
  if (operator === 'is_not_set') return sql`${e} is null`;
  switch (col.type) {
    case 'number': {
      if (operator === 'between') {
        const [lo, hi] = pair(value, isNum, path, 'numbers');
        return sql`${e} between ${lo} and ${hi}`;
      }
      if (!isNum(value)) throw invalidRule(path, 'the value must be a number');
      return compare(e, operator, sql`${value}`);
    }
    case 'text':
    case 'enum': {
      const list = operator === 'in' || operator === 'not_in';
      const given = list ? value : [value];
      if (!Array.isArray(given) || given.length === 0 || !given.every(isStr))
        throw invalidRule(path, list ? 'the value must be a non-empty list of strings' : 'the value must be a string');
      if (given.some((v) => v.trim() === '')) throw invalidRule(path, 'the value is empty');
      const values =
        col.canonical && (operator === 'eq' || operator === 'neq' || list) ? given.map((v) => col.canonical!(v.trim())) : given;
      const bad = col.enumValues && values.find((v) => !col.enumValues!.includes(v));
      if (bad) throw invalidRule(path, `"${bad}" is not one of ${col.enumValues!.join(', ')}`);
      if (operator === 'in') return sql`${e} = any(${values}::text[])`;
      if (operator === 'not_in') return sql`(${e} is null or not (${e} = any(${values}::text[])))`;
      if (operator === 'contains') return sql`position(lower(${values[0]}) in lower(${e})) > 0`;
      if (operator === 'starts_with') return sql`left(${e}, length(${values[0]})) = ${values[0]}`;
      return operator === 'eq' ? sql`${e} = ${values[0]}` : sql`(${e} is null or ${e} <> ${values[0]})`;
    }
    case 'date': {
      if (operator === 'within_last_days' || operator === 'more_than_days_ago') {
        if (!isNum(value) || !Number.isInteger(value) || value < 0) throw invalidRule(path, 'the value must be a whole number of days');
        const bound = col.isDate ? sql`${ctx.today}::date - ${value}::int` : sql`${ctx.now}::timestamptz - make_interval(days => ${value})`;
        return operator === 'within_last_days' ? sql`${e} >= ${bound}` : sql`${e} < ${bound}`;
      }
      const [from, to] = operator === 'between' ? pair(value, isDateStr, path, 'dates (YYYY-MM-DD)') : [value, value];
      if (!isDateStr(from) || !isDateStr(to)) throw invalidRule(path, 'the value must be a date (YYYY-MM-DD)');
      const start = col.isDate ? sql`${from}::date` : dayStart(sql`${from}::date`, ctx);
      const endExclusive = col.isDate ? sql`${to}::date + 1` : dayStart(sql`${to}::date + 1`, ctx);
      if (operator === 'before') return sql`${e} < ${start}`;
      if (operator === 'after') return sql`${e} >= ${endExclusive}`;
      return sql`(${e} >= ${start} and ${e} < ${endExclusive})`;
    }
    case 'boolean':
      return operator === 'is_true' ? sql`${e} = true` : sql`${e} = false`;
  }
}

function compare(e: Sql, operator: string, v: Sql): Sql {
  switch (operator) {
    case 'eq':
      return sql`${e} = ${v}`;
    case 'neq':
      return sql`${e} <> ${v}`;
    case 'gt':
      return sql`${e} > ${v}`;
    case 'gte':
      return sql`${e} >= ${v}`;
    case 'lt':
      return sql`${e} < ${v}`;
    default:
      return sql`${e} <= ${v}`;
  }
}

/** An aggregate comparison (count / sum / avg op value); `between` takes [lo, hi]. */
function aggregateTest(
  agg: Sql,
  operator: string,
  value: number | number[],
  path: string,
): { sql: Sql; holds: (x: number | null) => boolean } {
  if (operator === 'between') {
    const [lo, hi] = pair(value, isNum, path, 'numbers');
    return { sql: sql`${agg} between ${lo}::numeric and ${hi}::numeric`, holds: (x) => x !== null && x >= lo && x <= hi };
  }
  if (!isNum(value)) throw invalidRule(path, 'the value must be a number');
  const tests: Record<string, (x: number) => boolean> = {
    eq: (x) => x === value,
    neq: (x) => x !== value,
    gt: (x) => x > value,
    gte: (x) => x >= value,
    lt: (x) => x < value,
    lte: (x) => x <= value,
  };
  return { sql: compare(agg, operator, sql`${value}::numeric`), holds: (x) => x !== null && tests[operator](x) };
}

function windowOn(column: Sql, w: Window | undefined, path: string, ctx: CompileContext): Sql {
  if (!w) return sql`true`;
  if (w.kind === 'last_days') return sql`${column} >= ${ctx.now}::timestamptz - make_interval(days => ${w.days})`;
  if (w.kind === 'between_days_ago') {
    if (w.from < w.to) throw invalidRule(`${path}.window`, '"from" must be at least "to" days ago (e.g. between 60 and 30 days ago)');
    return sql`(${column} >= ${ctx.now}::timestamptz - make_interval(days => ${w.from}) and ${column} < ${ctx.now}::timestamptz - make_interval(days => ${w.to}))`;
  }
  if (!isDateStr(w.from) || !isDateStr(w.to) || w.from > w.to) throw invalidRule(`${path}.window`, 'the dates must be valid and in order');
  return sql`(${column} >= ${dayStart(sql`${w.from}::date`, ctx)} and ${column} < ${dayStart(sql`${w.to}::date + 1`, ctx)})`;
}

/** `c.id in (customers whose group passes)`, or `not in (those whose group fails)` when no rows also pass. */
function grouped(from: Sql, test: { sql: Sql; holds: (x: number | null) => boolean }, zero: number | null): Sql {
  return test.holds(zero)
    ? sql`c.id not in (select customer_id from ${from} group by customer_id having not (${test.sql}))`
    : sql`c.id in (select customer_id from ${from} group by customer_id having ${test.sql})`;
}

/** Whose rows an order or event condition aggregates: everyone's, `ctx.only`'s, or those of the customers given. */
type Rows = (customerId: Sql) => Sql;
const rowsOfContext =
  (ctx: CompileContext): Rows =>
  (column) =>
    sql.join(
      [
        ctx.only ? sql`${column} = any(${[...ctx.only]}::bigint[])` : sql`true`,
        ...(ctx.range ? [sql`${column} between ${ctx.range.fromId} and ${ctx.range.toId}`] : []),
      ],
      sql` and `,
    );

function ordersCondition(
  cond: Extract<Condition, { type: 'orders' }>,
  path: string,
  ctx: CompileContext,
  rows: Rows = rowsOfContext(ctx),
): Sql {
  const f = cond.filters ?? {};
  const where: Sql[] = [
    f.statuses?.length ? sql`o.status = any(${f.statuses}::text[])` : sql`o.paid_at is not null and o.status <> 'cancelled'`,
  ];
  where.push(windowOn(sql`o.placed_at`, cond.window, path, ctx));
  where.push(rows(sql`o.customer_id`));
  if (f.channels?.length)
    where.push(sql`o.channel_id in (select id from channels where code = any(${f.channels}::text[]) or name = any(${f.channels}::text[]))`);
  if (f.coupon === '*') where.push(sql`cardinality(o.coupon_codes) > 0`);
  else if (f.coupon) where.push(sql`${f.coupon} = any(o.coupon_codes)`);
  if (f.minAmount !== undefined) where.push(sql`o.total_amount >= ${f.minAmount}`);
  if (f.maxAmount !== undefined) where.push(sql`o.total_amount <= ${f.maxAmount}`);
  // Items by SKU or category; one filter alone gets the plain form the planner turns into a semi-join (~20% faster at 1M orders).
  if (f.skus?.length && f.categories?.length) {
    where.push(sql`exists (select 1 from order_items i where i.order_id = o.id
      and (i.sku = any(${f.skus}::text[]) or i.product_id = any(${productsOf(f.categories, ctx)}::bigint[])))`);
  } else if (f.skus?.length) {
    where.push(sql`exists (select 1 from order_items i where i.order_id = o.id and i.sku = any(${f.skus}::text[]))`);
  } else if (f.categories?.length) {
    where.push(
      sql`exists (select 1 from order_items i where i.order_id = o.id and i.product_id = any(${productsOf(f.categories, ctx)}::bigint[]))`,
    );
  }
  const net = sql`(o.total_amount - o.refunded_amount)`;
  const agg = cond.aggregate === 'count' ? sql`count(*)` : cond.aggregate === 'sum' ? sql`sum(${net})` : sql`avg(${net})`;
  const zero = cond.aggregate === 'avg' ? null : 0;
  return grouped(sql`orders o where ${sql.join(where, sql` and `)}`, aggregateTest(agg, cond.operator, cond.value, path), zero);
}

/**
 * An event condition is a set (every customer's matching events grouped once, hashed) — unless `guarded`: when
 * an earlier condition of the same AND already narrows who reaches it, it is decided for each customer that does,
 * from that customer's range of `events (customer_id, occurred_at desc) include (name)` alone (index-only). At
 * scale L the set costs ~5 s whoever reaches it; 81,000 customers' ranges cost ~0.7 s.
 */
function eventsCondition(
  cond: Extract<Condition, { type: 'events' }>,
  path: string,
  ctx: CompileContext,
  guarded: boolean,
  rows: Rows = rowsOfContext(ctx),
): Sql {
  const where: Sql[] = [sql`e.name = ${cond.name}`, windowOn(sql`e.occurred_at`, cond.window, path, ctx)];
  (cond.properties ?? []).forEach((p, i) => {
    const text = sql`(e.properties ->> ${p.key})`;
    if (p.operator === 'contains') where.push(sql`position(lower(${String(p.value)}) in lower(${text})) > 0`);
    else if (typeof p.value === 'number') {
      const num = sql`(case when jsonb_typeof(e.properties -> ${p.key}) = 'number' then (e.properties ->> ${p.key})::numeric end)`;
      where.push(compare(num, p.operator, sql`${p.value}`));
    } else if (p.operator === 'eq' || p.operator === 'neq') where.push(compare(text, p.operator, sql`${String(p.value)}`));
    else throw invalidRule(`${path}.properties[${i}]`, `operator "${p.operator}" needs a number`);
  });
  const test = aggregateTest(sql`count(*)`, cond.operator, cond.value, path);
  if (guarded) return sql`(select ${test.sql} from events e where e.customer_id = c.id and ${sql.join(where, sql` and `)})`;
  where.push(sql`e.customer_id is not null`, rows(sql`e.customer_id`));
  return grouped(sql`events e where ${sql.join(where, sql` and `)}`, test, 0);
}

/**
 * The counts an aggregate test accepts, as the integers `from`…`to` (`to` null: no upper end), or all but those
 * (`outside`). Counts are whole numbers: "more than 2.5" is "at least 3".
 */
function acceptedCounts(operator: string, value: number | number[]): { from: number; to: number | null; outside: boolean } | null {
  const v = Array.isArray(value) ? Number.NaN : value;
  switch (operator) {
    case 'gte':
      return { from: Math.ceil(v), to: null, outside: false };
    case 'gt':
      return { from: Math.floor(v) + 1, to: null, outside: false };
    case 'lte':
      return { from: 0, to: Math.floor(v), outside: false };
    case 'lt':
      return { from: 0, to: Math.ceil(v) - 1, outside: false };
    case 'eq':
    case 'neq':
      return Number.isInteger(v) ? { from: v, to: v, outside: operator === 'neq' } : { from: 1, to: 0, outside: operator === 'neq' };
    case 'between':
      return Array.isArray(value) ? { from: Math.ceil(value[0]), to: Math.floor(value[1]), outside: false } : null;
    default:
      return null;
  }
}

/** Customers whose changes the drain has not taken yet: their `customer_activity` rows may be behind their orders and events. */
const PENDING = sql`select customer_id from customer_changes`;

/**
 * An order count (any paid order, or those of one category) or an event count, in no window or the last N days,
 * decided from `customer_activity`: a customer has at least k in the window exactly when the k-th newest time
 * kept is inside it (or, with no window, when the total is k or more). Customers whose changes are pending are
 * decided from their own orders and events, so the answer is the same as the rows' at every moment. Null when
 * the condition needs the rows themselves (sums and averages, other filters, windows with two ends, counts
 * beyond ACTIVITY_DEPTH in a window).
 */
function activityCondition(cond: Extract<Condition, { type: 'orders' | 'events' }>, path: string, ctx: CompileContext): Sql | null {
  if (!ctx.useActivity) return null;
  let kind: 'order' | 'category' | 'event';
  let key: string;
  if (cond.type === 'orders') {
    const { categories = [], ...others } = cond.filters ?? {};
    const filtered = Object.values(others).some((f) => f !== undefined && (!Array.isArray(f) || f.length > 0));
    if (cond.aggregate !== 'count' || filtered || categories.length > 1) return null;
    [kind, key] = categories.length === 1 ? ['category', categories[0]] : ['order', ''];
  } else {
    if ((cond.properties ?? []).length > 0) return null;
    [kind, key] = ['event', cond.name];
  }
  if (cond.window && cond.window.kind !== 'last_days') return null;
  const counts = acceptedCounts(cond.operator, cond.value);
  // Checked (and any error thrown) as the rows' form would.
  const test = aggregateTest(sql`count(*)`, cond.operator, cond.value, path);
  if (!counts) return null;
  const bounds = [counts.from, ...(counts.to === null ? [] : [counts.to + 1])];
  if (cond.window && bounds.some((k) => k > ACTIVITY_DEPTH)) return null;
  const cutoff = cond.window ? sql`${ctx.now}::timestamptz - make_interval(days => ${cond.window.days})` : null;
  const atLeast = (k: number) =>
    k <= 0 ? sql`true` : cutoff ? sql`coalesce(a.latest[${sql.lit(k)}] >= ${cutoff}, false)` : sql`a.total >= ${k}`;
  const inside =
    counts.to !== null && counts.to < counts.from
      ? sql`false`
      : counts.to === null
        ? atLeast(counts.from)
        : sql`(${atLeast(counts.from)} and not ${atLeast(counts.to + 1)})`;
  const holds = counts.outside ? sql`not ${inside}` : inside;
  const rows = sql`customer_activity a where a.kind = ${kind} and a.key = ${key} and ${rowsOfContext(ctx)(sql`a.customer_id`)}`;
  // A customer without a row has none: the zero count decides between "some row passes" and "no row fails".
  const fromActivity = test.holds(0)
    ? sql`c.id not in (select a.customer_id from ${rows} and not ${holds})`
    : sql`c.id in (select a.customer_id from ${rows} and ${holds})`;
  const pending: Rows = (column) => sql`${rowsOfContext(ctx)(column)} and ${column} in (${PENDING})`;
  const fromRows = cond.type === 'orders' ? ordersCondition(cond, path, ctx, pending) : eventsCondition(cond, path, ctx, false, pending);
  return sql`((${fromActivity} and c.id not in (${PENDING})) or (c.id in (${PENDING}) and ${fromRows}))`;
}

/** Month×100+day of every day in the next `days` days (Feb 29 birthdays count on Feb 28 in other years). */
export function upcomingMonthDays(today: string, days: number): number[] {
  const start = Date.parse(`${today}T00:00:00Z`);
  const out = new Set<number>();
  for (let i = 0; i <= days; i++) {
    const d = new Date(start + i * 86_400_000);
    const md = (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
    out.add(md);
    const leap = new Date(Date.UTC(d.getUTCFullYear(), 1, 29)).getUTCMonth() === 1;
    if (md === 228 && !leap) out.add(229);
  }
  return [...out];
}

function anniversary(cond: Extract<Condition, { type: 'anniversary' }>, ctx: CompileContext): Sql {
  const local =
    cond.of === 'birthday'
      ? sql`c.birthday`
      : sql`((${cond.of === 'first_order' ? sql`m.first_order_at` : sql`c.created_at`}) at time zone ${ctx.timeZone})::date`;
  const month = Number(ctx.today.slice(5, 7));
  const match =
    cond.within.kind === 'this_month'
      ? sql`extract(month from ${local})::int = ${month}`
      : sql`(extract(month from ${local})::int * 100 + extract(day from ${local})::int) = any(${upcomingMonthDays(ctx.today, cond.within.days)}::int[])`;
  // An anniversary needs at least a year behind it (birthdays always qualify).
  return cond.of === 'birthday' ? match : sql`(${match} and ${local} < date_trunc('year', ${ctx.today}::date))`;
}

function attributeColumn(key: string, path: string, ctx: CompileContext): Column {
  const def = ctx.attributes.get(key);
  if (!def) throw invalidRule(path, `no custom attribute "${key}" is defined`);
  const raw = sql`(c.attributes ->> ${key})`;
  const typed = (t: string, cast: Sql) => sql`(case when jsonb_typeof(c.attributes -> ${key}) = ${t} then ${cast} end)`;
  switch (def.type) {
    case 'number':
      return { expr: typed('number', sql`${raw}::numeric`), type: 'number' };
    case 'boolean':
      return { expr: typed('boolean', sql`${raw}::boolean`), type: 'boolean' };
    case 'date':
      return { expr: sql`(case when ${raw} ~ '^\\d{4}-\\d{2}-\\d{2}$' then ${raw}::date end)`, type: 'date', isDate: true };
    case 'enum':
      return { expr: raw, type: 'enum', enumValues: def.options };
    default:
      return { expr: raw, type: 'text' };
  }
}

/** The first channel by its code or by the name a seller sees (天猫旗舰店), as the customers list filters it. */
function firstChannelIs(operator: string, value: unknown, path: string): Sql {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || !values.every(isStr) || values.some((v) => v.trim() === ''))
    throw invalidRule(path, 'the value must name one or more channels');
  const ids = sql`(select id from channels where code = any(${values}::text[]) or name = any(${values}::text[]))`;
  return operator === 'eq' || operator === 'in'
    ? sql`c.first_channel_id in ${ids}`
    : sql`(c.first_channel_id is null or c.first_channel_id not in ${ids})`;
}

function conditionSql(cond: Condition, path: string, ctx: CompileContext, guarded: boolean): Sql {
  switch (cond.type) {
    case 'profile': {
      if (!Object.hasOwn(PROFILE_COLUMNS, cond.field)) throw invalidRule(path, `unknown profile field "${cond.field}"`);
      if (cond.field === 'first_channel' && ['eq', 'neq', 'in', 'not_in'].includes(cond.operator))
        return firstChannelIs(cond.operator, cond.value, path);
      return scalar(PROFILE_COLUMNS[cond.field as keyof typeof PROFILE_FIELDS], cond.operator, cond.value, path, ctx);
    }
    case 'metric': {
      if (!Object.hasOwn(METRIC_FIELDS, cond.field)) throw invalidRule(path, `unknown metric "${cond.field}"`);
      return scalar(metricColumn(cond.field as keyof typeof METRIC_FIELDS), cond.operator, cond.value, path, ctx);
    }
    case 'attribute':
      return scalar(attributeColumn(cond.key, path, ctx), cond.operator, cond.value, path, ctx);
    case 'identity': {
      const channel = cond.channel ? sql` and channel = ${cond.channel}` : sql``;
      return sql`c.id ${cond.present ? sql`in` : sql`not in`} (select customer_id from customer_identities where kind = ${cond.kind}${channel})`;
    }
    case 'consent': {
      const scope = sql`consents where channel = ${cond.channel} and purpose = ${cond.purpose ?? 'marketing'}`;
      if (cond.status === 'none') return sql`c.id not in (select customer_id from ${scope})`;
      return sql`c.id in (select customer_id from (select distinct on (customer_id) customer_id, status from ${scope}
        order by customer_id, recorded_at desc, id desc) latest where status = ${cond.status})`;
    }
    case 'tag': {
      const tags = [...new Set(cond.tags)];
      if (cond.operator === 'has_all')
        return sql`c.id in (select customer_id from customer_tags where tag = any(${tags}::text[]) group by customer_id having count(*) = ${tags.length})`;
      return sql`c.id ${cond.operator === 'has_any' ? sql`in` : sql`not in`} (select customer_id from customer_tags where tag = any(${tags}::text[]))`;
    }
    case 'orders':
      return activityCondition(cond, path, ctx) ?? ordersCondition(cond, path, ctx);
    case 'events':
      return activityCondition(cond, path, ctx) ?? eventsCondition(cond, path, ctx, guarded);
    case 'anniversary':
      return anniversary(cond, ctx);
    case 'segment':
      return sql`c.id ${cond.member ? sql`in` : sql`not in`} (select customer_id from segment_members where segment_id = ${cond.segmentId})`;
    case 'field': {
      const def = ctx.fields.get(cond.field);
      if (!def) throw invalidRule(path, `no module offers the field "${cond.field}"`);
      return scalar({ expr: def.expr, type: def.type, enumValues: def.options }, cond.operator, cond.value, path, ctx);
    }
  }
}

/** Order and event conditions aggregate rows of their own tables: the expensive ones. */
const aggregatesRows = (node: RuleNode): boolean =>
  node.type === 'group' ? node.children.some(aggregatesRows) : node.type === 'orders' || node.type === 'events';

/**
 * `guarded`: only customers an earlier condition let through reach this node (AND evaluates left to right and
 * stops at the first false); inside an AND, every child after one that aggregates rows is guarded by it.
 */
function nodeSql(node: RuleNode, path: string, depth: number, ctx: CompileContext, guarded = false): Sql {
  if (node.type !== 'group') return conditionSql(node, path, ctx, guarded);
  const parts = childrenSql(node, path, depth, ctx, guarded);
  // An empty AND matches everyone; an empty OR matches no one.
  const body =
    parts.length === 0
      ? node.op === 'and'
        ? sql`true`
        : sql`false`
      : sql`(${sql.join(parts, node.op === 'and' ? sql` and ` : sql` or `)})`;
  return node.not ? sql`not coalesce(${body}, false)` : body;
}

function childrenSql(node: RuleGroup, path: string, depth: number, ctx: CompileContext, guarded: boolean): Sql[] {
  if (depth > MAX_DEPTH) throw invalidRule(path, `groups nest at most ${MAX_DEPTH} deep`);
  const guardedFrom = node.op === 'and' ? node.children.findIndex(aggregatesRows) + 1 : 0;
  return node.children.map((child, i) =>
    nodeSql(child, `${path}.children[${i}]`, depth + 1, ctx, guarded || (guardedFrom > 0 && i >= guardedFrom)),
  );
}

/**
 * The whole rule tree as one boolean expression over `c` and `m` (never null); throws SEGMENT_RULE_INVALID naming
 * the node. A root AND's children are conjuncts of their own, so the planner applies those on `c` alone (a profile
 * field) in the scan of customers, before the join to the metrics and the set conditions.
 */
export function compileRules(rules: RuleGroup, ctx: CompileContext): Sql {
  if (rules.op === 'and' && !rules.not && rules.children.length > 0) {
    return sql`(${sql.join(
      childrenSql(rules, 'rules', 1, ctx, false).map((part) => sql`coalesce(${part}, false)`),
      sql` and `,
    )})`;
  }
  return sql`coalesce(${nodeSql(rules, 'rules', 1, ctx)}, false)`;
}

/** Segment ids a rule tree refers to (to check they exist and that no segment depends on itself). */
export function referencedSegments(node: RuleNode): number[] {
  if (node.type === 'segment') return [node.segmentId];
  if (node.type === 'group') return node.children.flatMap(referencedSegments);
  return [];
}

/** Whether the compiled tree reads `m` (customer_metrics): otherwise the planner drops the left join. */
const readsMetrics = (node: RuleNode): boolean =>
  node.type === 'group'
    ? node.children.some(readsMetrics)
    : node.type === 'metric' || (node.type === 'anniversary' && node.of === 'first_order');

/**
 * Each matching customer's id and net spent (what a preview orders its sample by): from the metrics the rules
 * join anyway, else looked up for the matching customers alone rather than joining every customer's metrics.
 */
export const idAndNetSpent = (rules: RuleGroup): Sql =>
  readsMetrics(rules)
    ? sql`c.id, m.net_spent`
    : sql`c.id, (select x.net_spent from customer_metrics x where x.customer_id = c.id) as net_spent`;

/** The customers a rule tree selects (active, not erased), for counting, previews and membership; `columns` of c and m. */
export function matchingCustomers(rules: RuleGroup, ctx: CompileContext, extra: Sql = sql`true`, columns: Sql = sql`c.id`): Sql {
  const inRange = rowsOfContext({ ...ctx, only: undefined });
  return sql`select ${columns} from customers c left join customer_metrics m on m.customer_id = c.id and ${inRange(sql`m.customer_id`)}
    where c.merged_into is null and c.erased_at is null and ${inRange(sql`c.id`)} and ${extra} and ${compileRules(rules, ctx)}`;
}
