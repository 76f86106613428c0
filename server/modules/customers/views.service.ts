import type { z } from 'zod';
import { customerViewParams, type savedViewBody } from '../../../contracts/customers.ts';
import type { Db } from '../../db/index.ts';
import type { Principal } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';

/** Saved views of the customers list: a user's named filters and sort orders, optionally shared with the team. */

export const viewErrors = {
  needsUser: () => new AppError('SAVED_VIEW_USER_ONLY', 'forbidden', 'Saved views belong to users; an API key has none.'),
  nameTaken: (name: string) => new AppError('SAVED_VIEW_NAME_TAKEN', 'conflict', `You already have a view named "${name}".`),
  notFound: (id: number) => new AppError('SAVED_VIEW_NOT_FOUND', 'not_found', `Saved view ${id} does not exist.`),
  notOwner: (id: number) => new AppError('SAVED_VIEW_NOT_OWNER', 'forbidden', `Only the owner can delete saved view ${id}.`),
};

function userOf(p: Principal): number {
  if (p.kind !== 'user') throw viewErrors.needsUser();
  return p.id;
}

const present = (
  r: { id: number; name: string; params: unknown; shared: boolean; owner: string; user_id: number; created_at: Date },
  me: number,
) => ({
  id: r.id,
  name: r.name,
  params: customerViewParams.parse(r.params),
  shared: r.shared,
  owner: r.owner,
  mine: r.user_id === me,
  createdAt: r.created_at.toISOString(),
});

const visible = (db: Db) =>
  db
    .selectFrom('saved_views as v')
    .innerJoin('users as u', 'u.id', 'v.user_id')
    .select(['v.id', 'v.name', 'v.params', 'v.shared', 'v.user_id', 'v.created_at', 'u.name as owner'])
    .where('v.scope', '=', 'customers');

export async function listViews(db: Db, principal: Principal) {
  const me = userOf(principal);
  const rows = await visible(db)
    .where((eb) => eb.or([eb('v.user_id', '=', me), eb('v.shared', '=', true)]))
    .orderBy('v.name')
    .execute();
  return { items: rows.map((r) => present(r, me)) };
}

export async function createView(db: Db, principal: Principal, body: z.infer<typeof savedViewBody>) {
  const me = userOf(principal);
  try {
    const row = await db
      .insertInto('saved_views')
      .values({ user_id: me, scope: 'customers', name: body.name, params: JSON.stringify(body.params), shared: body.shared })
      .returning('id')
      .executeTakeFirstOrThrow();
    return present(await visible(db).where('v.id', '=', row.id).executeTakeFirstOrThrow(), me);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw viewErrors.nameTaken(body.name);
    throw err;
  }
}

export async function deleteView(db: Db, principal: Principal, id: number) {
  const me = userOf(principal);
  const row = await db.selectFrom('saved_views').select(['user_id', 'shared']).where('id', '=', id).executeTakeFirst();
  if (!row || (row.user_id !== me && !row.shared)) throw viewErrors.notFound(id);
  if (row.user_id !== me) throw viewErrors.notOwner(id);
  await db.deleteFrom('saved_views').where('id', '=', id).execute();
  return { ok: true as const };
}
