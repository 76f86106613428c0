import { Kysely, PostgresDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type Condition, OPERATORS, type RuleGroup, ruleGroup } from '../../../contracts/segments.ts';
import type { Database } from '../../db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { ACTIVITY_DEPTH, type CompileContext, MAX_DEPTH, compileRules, matchingCustomers, upcomingMonthDays } from './compiler.ts';

// Compiles only (no connection is ever opened): shows the SQL text and its bound parameters.
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: {} as never }) });
const ctx: CompileContext = {
  now: new Date('2026-06-30T08:00:00Z'),
  today: '2026-06-30',
  timeZone: 'Asia/Shanghai',
  attributes: new Map([
    ['vip_level', { type: 'number', options: [] }],
    ['skin_type', { type: 'enum', options: ['dry', 'oily'] }],
    ['member_since', { type: 'date', options: [] }],
    ['wholesale', { type: 'boolean', options: [] }],
    ['nickname', { type: 'text', options: [] }],
  ]),
  categoryProducts: new Map([['美妆', [3, 7]]]),
  useActivity: false,
  fields: new Map(),
};
const and = (...children: RuleGroup['children']): RuleGroup => ({ type: 'group', op: 'and', children });
const compile = (rules: RuleGroup) => compileRules(ruleGroup.parse(rules), ctx).compile(db);
const invalid = (rules: RuleGroup) => {
  try {
    compile(rules);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('SEGMENT_RULE_INVALID');
    return (err as AppError).details as { path: string; reason: string };
  }
  throw new Error('expected SEGMENT_RULE_INVALID');
};

describe('segment rule compiler', () => {
  it('reads provinces and cities as the cleansing stores them, and refuses empty values', () => {
    for (const typed of ['上海', '沪', 'Shanghai'])
      expect(compile(and({ type: 'profile', field: 'province', operator: 'eq', value: typed })).parameters).toContain('上海市');
    expect(compile(and({ type: 'profile', field: 'city', operator: 'in', value: ['杭州', '深圳'] })).parameters).toContainEqual([
      '杭州市',
      '深圳市',
    ]);
    expect(invalid(and({ type: 'profile', field: 'city', operator: 'eq', value: '' })).reason).toBe('the value is empty');
    expect(invalid(and({ type: 'profile', field: 'name', operator: 'in', value: ['王', ' '] })).reason).toBe('the value is empty');
  });

  it('reads a first channel by its code or its display name', () => {
    const q = compile(and({ type: 'profile', field: 'first_channel', operator: 'eq', value: '天猫旗舰店' }));
    expect(q.sql).toContain('code = any(');
    expect(q.sql).toContain('name = any(');
    expect(q.parameters).toContainEqual(['天猫旗舰店']);
    expect(invalid(and({ type: 'profile', field: 'first_channel', operator: 'in', value: [] })).reason).toBe(
      'the value must name one or more channels',
    );
  });

  it('compiles every operator of every scalar type, binding every value', () => {
    const samples: Record<string, Record<string, unknown>> = {
      number: { eq: 3, neq: 3, gt: 3, gte: 3, lt: 3, lte: 3, between: [1, 5] },
      text: { eq: '上海市', neq: '上海市', in: ['上海市', '北京市'], not_in: ['北京市'], contains: '海', starts_with: '上' },
      date: {
        before: '2026-01-01',
        after: '2026-01-01',
        between: ['2026-01-01', '2026-03-31'],
        within_last_days: 30,
        more_than_days_ago: 90,
      },
      enum: { eq: 'female', neq: 'male', in: ['female'], not_in: ['male'] },
      boolean: { is_true: undefined, is_false: undefined },
    };
    const fieldFor: Record<string, Condition> = {
      number: { type: 'metric', field: 'orders_count', operator: 'eq' },
      text: { type: 'profile', field: 'province', operator: 'eq' },
      date: { type: 'metric', field: 'last_order_at', operator: 'eq' },
      enum: { type: 'profile', field: 'gender', operator: 'eq' },
      boolean: { type: 'attribute', key: 'wholesale', operator: 'eq' },
    } as Record<string, Condition>;
    for (const [type, ops] of Object.entries(OPERATORS)) {
      for (const op of ops) {
        const value = samples[type][op];
        const cond = { ...fieldFor[type], operator: op, ...(value !== undefined ? { value } : {}) } as Condition;
        const q = compile(and(cond));
        expect(q.sql, `${type} ${op}`).toMatch(/^\(coalesce\(/);
        if (value !== undefined && !Array.isArray(value)) expect(q.parameters, `${type} ${op}`).toContain(value);
        if (Array.isArray(value) && type !== 'text' && type !== 'enum') for (const v of value) expect(q.parameters).toContain(v);
      }
    }
  });

  it('nests AND / OR / NOT groups as written', () => {
    const q = compile({
      type: 'group',
      op: 'or',
      children: [
        { type: 'profile', field: 'province', operator: 'eq', value: '浙江省' },
        {
          type: 'group',
          op: 'and',
          not: true,
          children: [
            { type: 'tag', operator: 'has_any', tags: ['vip'] },
            { type: 'metric', field: 'rfm_group', operator: 'in', value: ['champions', 'loyal'] },
          ],
        },
      ],
    });
    expect(q.sql).toMatch(
      /\(c\.province = \$1 or not coalesce\(\(c\.id in \(select customer_id from customer_tags where tag = any\(\$2::text\[\]\)\) and m\."rfm_group" = any\(\$3::text\[\]\)\), false\)\)/,
    );
  });

  it('compiles order and event aggregates with windows and filters, choosing the form that keeps customers with no rows right', () => {
    const atLeast = compile(
      and({
        type: 'orders',
        aggregate: 'count',
        operator: 'gte',
        value: 2,
        window: { kind: 'last_days', days: 90 },
        filters: { categories: ['美妆'], channels: ['tmall'] },
      }),
    );
    expect(atLeast.sql).toContain('c.id in (select customer_id from orders o where');
    expect(atLeast.sql).toContain('having count(*) >= $');
    // A category is its products' ids, bound as values (the planner then knows which products they are).
    expect(atLeast.sql).toContain('i.product_id = any($');
    expect(atLeast.parameters).toContainEqual([3, 7]);
    const none = compile(
      and({
        type: 'events',
        name: 'Order Completed',
        operator: 'eq',
        value: 0,
        window: { kind: 'between_days_ago', from: 60, to: 30 },
        properties: [],
      }),
    );
    expect(none.sql).toContain('c.id not in (select customer_id from events e where');
    expect(none.sql).toContain('having not (count(*) = $');
    const avg = compile(and({ type: 'orders', aggregate: 'avg', operator: 'lt', value: 10000, filters: {} }));
    expect(avg.sql).toContain('c.id in (select customer_id from orders o where');
    const viewed = compile(
      and({
        type: 'events',
        name: 'Product Viewed',
        operator: 'gte',
        value: 3,
        window: { kind: 'last_days', days: 7 },
        properties: [
          { key: 'category', operator: 'eq', value: '美妆' },
          { key: 'price', operator: 'gt', value: 100 },
        ],
      }),
    );
    expect(viewed.parameters).toEqual(expect.arrayContaining(['Product Viewed', 'category', '美妆', 'price', 100, 3]));
    // After an order condition in the same AND, an event condition is decided per customer reaching it, not as a set.
    const after = compile(
      and(
        { type: 'orders', aggregate: 'count', operator: 'gte', value: 2, filters: {} },
        { type: 'events', name: 'Product Viewed', operator: 'gte', value: 3 },
      ),
    );
    expect(after.sql).toContain('c.id in (select customer_id from orders o where');
    expect(after.sql).toContain('(select count(*) >= $');
    expect(after.sql).toContain('from events e where e.customer_id = c.id and e.name = $');
    expect(after.sql).not.toContain('select customer_id from events');
  });

  it('reads order and event counts from customer_activity where the k-th newest time decides them, and the rows where it cannot', () => {
    const withActivity = (cond: Condition) => compileRules(ruleGroup.parse(and(cond)), { ...ctx, useActivity: true }).compile(db);
    const reads = (cond: Condition) => withActivity(cond).sql.includes('customer_activity a');
    const skincare = withActivity({
      type: 'orders',
      aggregate: 'count',
      operator: 'gte',
      value: 2,
      window: { kind: 'last_days', days: 365 },
      filters: { categories: ['美妆'] },
    });
    expect(skincare.sql).toContain('c.id in (select a.customer_id from customer_activity a where a.kind = $');
    expect(skincare.sql).toContain('coalesce(a.latest[2] >= $');
    expect(skincare.parameters).toEqual(expect.arrayContaining(['category', '美妆']));
    // Customers with changes not yet drained are decided from their own rows.
    expect(skincare.sql).toContain('c.id not in (select customer_id from customer_changes)');
    expect(skincare.sql).toContain('o.customer_id in (select customer_id from customer_changes)');
    // "Fewer than 3" holds for customers with no row: the customers with a failing row are excluded instead.
    const few = withActivity({
      type: 'events',
      name: 'Product Viewed',
      operator: 'lt',
      value: 3,
      window: { kind: 'last_days', days: 30 },
      properties: [],
    });
    expect(few.sql).toContain('c.id not in (select a.customer_id from customer_activity a where');
    expect(few.sql).toContain('a.latest[3]');
    // With no window the total decides, whatever the count.
    expect(withActivity({ type: 'events', name: 'Page Viewed', operator: 'between', value: [20, 40], properties: [] }).sql).toContain(
      'a.total >= $',
    );
    expect(
      reads({
        type: 'orders',
        aggregate: 'count',
        operator: 'gt',
        value: ACTIVITY_DEPTH - 1,
        window: { kind: 'last_days', days: 30 },
        filters: {},
      }),
    ).toBe(true);
    expect(
      reads({
        type: 'orders',
        aggregate: 'count',
        operator: 'gt',
        value: ACTIVITY_DEPTH,
        window: { kind: 'last_days', days: 30 },
        filters: {},
      }),
    ).toBe(false);
    expect(reads({ type: 'orders', aggregate: 'sum', operator: 'gt', value: 100, filters: {} })).toBe(false);
    expect(reads({ type: 'orders', aggregate: 'count', operator: 'gte', value: 1, filters: { categories: ['美妆', '护肤'] } })).toBe(false);
    expect(reads({ type: 'orders', aggregate: 'count', operator: 'gte', value: 1, filters: { channels: ['tmall'] } })).toBe(false);
    expect(reads({ type: 'orders', aggregate: 'count', operator: 'gte', value: 1, filters: { statuses: [] } })).toBe(true);
    expect(
      reads({
        type: 'events',
        name: 'Product Viewed',
        operator: 'gte',
        value: 1,
        window: { kind: 'between_days_ago', from: 60, to: 30 },
        properties: [],
      }),
    ).toBe(false);
    expect(
      reads({
        type: 'events',
        name: 'Product Viewed',
        operator: 'gte',
        value: 1,
        properties: [{ key: 'sku', operator: 'eq', value: 'A' }],
      }),
    ).toBe(false);
  });

  it('rejects invalid trees with the path of the offending node', () => {
    expect(invalid(and({ type: 'profile', field: 'password_hash', operator: 'eq', value: 'x' }))).toEqual({
      path: 'rules.children[0]',
      reason: 'unknown profile field "password_hash"',
    });
    expect(invalid(and(and({ type: 'metric', field: 'orders_count', operator: 'contains', value: 'x' }))).path).toBe(
      'rules.children[0].children[0]',
    );
    expect(invalid(and({ type: 'metric', field: 'orders_count', operator: 'gt', value: 'many' })).reason).toBe(
      'the value must be a number',
    );
    expect(invalid(and({ type: 'profile', field: 'gender', operator: 'eq', value: 'robot' })).reason).toContain('"robot" is not one of');
    expect(invalid(and({ type: 'attribute', key: 'shoe_size', operator: 'eq', value: 42 })).reason).toBe(
      'no custom attribute "shoe_size" is defined',
    );
    expect(invalid(and({ type: 'attribute', key: 'skin_type', operator: 'eq', value: 'normal' })).reason).toContain(
      '"normal" is not one of dry, oily',
    );
    expect(
      invalid(and({ type: 'metric', field: 'last_order_at', operator: 'between', value: ['2026-02-30x', '2026-03-01'] })).reason,
    ).toContain('two dates');
    expect(
      invalid(
        and({
          type: 'orders',
          aggregate: 'count',
          operator: 'gte',
          value: 1,
          window: { kind: 'between_days_ago', from: 30, to: 60 },
          filters: {},
        }),
      ).path,
    ).toBe('rules.children[0].window');
    let deep: RuleGroup = and({ type: 'metric', field: 'orders_count', operator: 'gt', value: 0 });
    for (let i = 0; i < MAX_DEPTH; i++) deep = and(deep);
    expect(invalid(deep).reason).toContain(`at most ${MAX_DEPTH} deep`);
    // Shape errors are caught by the contract before the compiler.
    expect(ruleGroup.safeParse({ type: 'group', op: 'xor', children: [] }).success).toBe(false);
    expect(ruleGroup.safeParse(and({ type: 'metric', field: 'clv', operator: 'gt', value: 1, extra: 1 } as never)).success).toBe(false);
  });

  it('never puts values or unknown names into the SQL text (injection attempts)', () => {
    const evil = "x'); drop table customers; --";
    const q = compile(
      and(
        { type: 'profile', field: 'name', operator: 'contains', value: evil },
        { type: 'events', name: evil, operator: 'gte', value: 1, properties: [{ key: evil, operator: 'eq', value: evil }] },
        { type: 'tag', operator: 'has_all', tags: [evil] },
        { type: 'orders', aggregate: 'sum', operator: 'gt', value: 1, filters: { coupon: evil, skus: [evil] } },
      ),
    );
    expect(q.sql).not.toContain('drop table');
    expect(q.parameters).toContain(evil);
    expect(
      invalid(and({ type: 'metric', field: 'clv" from customers; drop table customers; --', operator: 'gt', value: 1 })).reason,
    ).toContain('unknown metric');
    expect(invalid(and({ type: 'attribute', key: evil, operator: 'eq', value: 'x' })).reason).toContain('no custom attribute');
  });

  it('selects only active, unerased customers', () => {
    expect(matchingCustomers(and(), ctx).compile(db).sql).toContain('c.merged_into is null and c.erased_at is null');
  });

  it('lists the month-days of an upcoming window across the year end, with 29 February in common years', () => {
    expect(upcomingMonthDays('2026-12-30', 3)).toEqual([1230, 1231, 101, 102]);
    expect(upcomingMonthDays('2027-02-27', 2)).toEqual([227, 228, 229, 301]);
    expect(upcomingMonthDays('2028-02-27', 2)).toEqual([227, 228, 229]);
  });
});
