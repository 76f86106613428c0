import type { RuleGroup } from '../../../contracts/segments.ts';
import type { Db } from '../../db/index.ts';
import { clearChangesBefore, recomputeAll } from '../analytics/index.ts';
import { createDemoSegments, rebuildActivity } from '../segments/index.ts';

/** Example segments a seller would build first (their names are store data, so they are in the demo store's language). */
const DEMO_SEGMENTS: { name: string; description: string; rules: RuleGroup }[] = [
  {
    name: '高价值流失风险',
    description: '累计消费 ≥ ¥1000 且流失概率 > 50%',
    rules: {
      type: 'group',
      op: 'and',
      children: [
        { type: 'metric', field: 'net_spent', operator: 'gte', value: 100_000 },
        { type: 'metric', field: 'churn_probability', operator: 'gt', value: 0.5 },
      ],
    },
  },
  {
    name: '冠军与忠诚客户',
    description: 'RFM 冠军或忠诚客户',
    rules: { type: 'group', op: 'and', children: [{ type: 'metric', field: 'rfm_group', operator: 'in', value: ['champions', 'loyal'] }] },
  },
  {
    name: '30 天内生日',
    description: '生日在未来 30 天内',
    rules: { type: 'group', op: 'and', children: [{ type: 'anniversary', of: 'birthday', within: { kind: 'next_days', days: 30 } }] },
  },
  {
    name: '护肤复购客',
    description: '近一年购买护肤品至少 2 次',
    rules: {
      type: 'group',
      op: 'and',
      children: [
        {
          type: 'orders',
          aggregate: 'count',
          operator: 'gte',
          value: 2,
          window: { kind: 'last_days', days: 365 },
          filters: { categories: ['护肤'] },
        },
      ],
    },
  },
  {
    name: '浏览未购',
    description: '近 30 天浏览商品 ≥ 3 次但未下单',
    rules: {
      type: 'group',
      op: 'and',
      children: [
        { type: 'events', name: 'Product Viewed', operator: 'gte', value: 3, window: { kind: 'last_days', days: 30 } },
        { type: 'events', name: 'Order Completed', operator: 'eq', value: 0, window: { kind: 'last_days', days: 30 } },
      ],
    },
  },
];

/**
 * Metrics, predictions, segment activity and example segments for a freshly seeded demo store. Everything the
 * change drain would derive from the seeded rows is built here in bulk, so the seed's changes are cleared.
 */
export async function seedDemoInsights(db: Db, clock: { now: Date; timeZone: string }) {
  const started = new Date();
  await rebuildActivity(db);
  const result = await recomputeAll(db, clock);
  await clearChangesBefore(db, started);
  const segments = await createDemoSegments(db, DEMO_SEGMENTS, clock);
  return { customers: result.customers, segments };
}
