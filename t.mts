import { createDb } from '/work/main/server/db/index.ts';
import { previewRules } from '/work/main/server/modules/segments/index.ts';
const h = await createDb({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/patron_bench' });
const rules = { type: 'group', op: 'and', children: [
  { type: 'profile', field: 'gender', operator: 'eq', value: 'female' },
  { type: 'group', op: 'or', children: [
    { type: 'metric', field: 'rfm_group', operator: 'in', value: ['champions', 'loyal'] },
    { type: 'group', op: 'and', children: [
      { type: 'orders', aggregate: 'count', operator: 'gte', value: 2, window: { kind: 'last_days', days: 365 }, filters: { categories: ['护肤'] } },
      { type: 'events', name: 'Product Viewed', operator: 'gte', value: 3, window: { kind: 'last_days', days: 180 } } ] } ] } ] };
const clock = { now: new Date(), timeZone: 'Asia/Shanghai' };
for (let i = 0; i < 3; i++) { const r = await previewRules(h.db, rules as never, clock as never, { showSql: true }); console.log(r.count, r.tookMs); if (i === 0) console.log(r.sql); }
await h.close();
