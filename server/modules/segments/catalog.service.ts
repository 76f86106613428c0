import { sql } from 'kysely';
import { METRIC_FIELDS, OPERATORS, PROFILE_FIELDS } from '../../../contracts/segments.ts';
import type { Db } from '../../db/index.ts';
import type { SegmentField } from '../../platform/registry.ts';

export async function segmentCatalog(db: Db, fields: readonly SegmentField[]) {
  const [attributes, channels, products, categories, tags, events, segments] = await Promise.all([
    db.selectFrom('attribute_definitions').select(['key', 'label', 'type', 'options']).orderBy('key').execute(),
    db.selectFrom('channels').select(['code', 'name']).orderBy('code').execute(),
    // The first products for the picker; it searches the rest (GET /products?q=).
    db.selectFrom('products').select(['id', 'sku', 'name', 'category']).orderBy('category').orderBy('name').limit(200).execute(),
    db.selectFrom('products').select('category').distinct().where('category', '<>', '').orderBy('category').execute(),
    sql<{ tag: string }>`select distinct tag from customer_tags order by tag limit 1000`.execute(db),
    // Distinct event names by skipping through the (name, occurred_at) index: fast at any table size.
    sql<{ name: string }>`with recursive n as (select min(name) as name from events
      union all select (select min(name) from events where name > n.name) from n where n.name is not null)
      select name from n where name is not null limit 500`.execute(db),
    db.selectFrom('segments').select(['id', 'name']).orderBy('name').execute(),
  ]);
  return {
    profileFields: Object.entries(PROFILE_FIELDS).map(([field, type]) => ({ field, type })),
    metricFields: Object.entries(METRIC_FIELDS).map(([field, type]) => ({ field, type })),
    moduleFields: fields.map((f) => ({ field: f.key, type: f.type, options: [...(f.options ?? [])], label: f.label })),
    attributes,
    channels,
    categories: categories.map((c) => c.category),
    products,
    tags: tags.rows.map((t) => t.tag),
    eventNames: events.rows.map((e) => e.name),
    segments: segments.map((s) => ({ id: Number(s.id), name: s.name })),
    operators: Object.fromEntries(Object.entries(OPERATORS).map(([k, v]) => [k, [...v]])),
  };
}

/** Creates (by name, once) and computes example segments — the demo store's starting point. */
