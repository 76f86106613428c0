import type { Db } from '../../db/index.ts';
import type { MergeMemo } from '../../platform/registry.ts';
import type { Actor } from '../../http/principal.ts';
import { assertActive } from './customers.service.ts';

export async function tagsOf(db: Db, customerId: number): Promise<string[]> {
  return (await db.selectFrom('customer_tags').select('tag').where('customer_id', '=', customerId).orderBy('tag').execute()).map(
    (t) => t.tag,
  );
}

export async function setTag(db: Db, opts: { customerId: number; tag: string; present: boolean; actor: Actor }): Promise<string[]> {
  await assertActive(db, opts.customerId);
  if (opts.present) {
    await db
      .insertInto('customer_tags')
      .values({ customer_id: opts.customerId, tag: opts.tag, source: opts.actor.label })
      .onConflict((oc) => oc.columns(['customer_id', 'tag']).doNothing())
      .execute();
  } else {
    await db.deleteFrom('customer_tags').where('customer_id', '=', opts.customerId).where('tag', '=', opts.tag).execute();
  }
  return tagsOf(db, opts.customerId);
}

export async function notesOf(db: Db, customerId: number) {
  const rows = await db
    .selectFrom('customer_notes')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .limit(100)
    .execute();
  return rows.map((n) => ({ id: n.id, body: n.body, author: n.author_label, createdAt: n.created_at.toISOString() }));
}

export async function addNote(db: Db, opts: { customerId: number; body: string; actor: Actor }) {
  await assertActive(db, opts.customerId);
  await db.insertInto('customer_notes').values({ customer_id: opts.customerId, body: opts.body, author_label: opts.actor.label }).execute();
  return notesOf(db, opts.customerId);
}

type TagRow = { tag: string; source: string; created_at: string };
type MovedTags = { all: TagRow[]; added: string[] };

/** Tags are keyed by (customer, tag): the merged person's tags are added where missing, and remembered. */
export async function moveTags(trx: Db, { fromId, toId }: { fromId: number; toId: number }): Promise<MergeMemo> {
  const all = (
    await trx.selectFrom('customer_tags').select(['tag', 'source', 'created_at']).where('customer_id', '=', fromId).execute()
  ).map((t) => ({ ...t, created_at: t.created_at.toISOString() }));
  let added: string[] = [];
  if (all.length > 0) {
    const rows = await trx
      .insertInto('customer_tags')
      .values(all.map((t) => ({ customer_id: toId, tag: t.tag, source: t.source, created_at: t.created_at })))
      .onConflict((oc) => oc.columns(['customer_id', 'tag']).doNothing())
      .returning('tag')
      .execute();
    added = rows.map((r) => r.tag);
    await trx.deleteFrom('customer_tags').where('customer_id', '=', fromId).execute();
  }
  const memo: MovedTags = { all, added };
  return { count: all.length, memo };
}

export async function restoreTags(trx: Db, { fromId: mergedId, toId: survivorId, memo }: { fromId: number; toId: number; memo: unknown }) {
  const tags = memo as MovedTags | undefined;
  if (!tags || tags.all.length === 0) return;
  if (tags.added.length > 0)
    await trx.deleteFrom('customer_tags').where('customer_id', '=', survivorId).where('tag', 'in', tags.added).execute();
  await trx
    .insertInto('customer_tags')
    .values(tags.all.map((t) => ({ customer_id: mergedId, tag: t.tag, source: t.source, created_at: t.created_at })))
    .execute();
}
