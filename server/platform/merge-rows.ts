import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { type CustomerData, type MergeMemo, customerColumns } from './registry.ts';

/** Moves the rows of one declared table from the merged person to the survivor, remembering which (by row key). */
export async function moveRows(
  trx: Db,
  d: CustomerData,
  m: { fromId: number; toId: number },
  extra: RawBuilder<unknown> = sql``,
): Promise<MergeMemo> {
  const col = sql.ref(customerColumns(d)[0]);
  const rows = await sql<{
    k: number;
  }>`update ${sql.table(d.table)} t set ${col} = ${m.toId} where t.${col} = ${m.fromId} ${extra} returning t.${sql.ref(d.key ?? 'id')} as k`.execute(
    trx,
  );
  const ids = rows.rows.map((r) => Number(r.k));
  return { count: ids.length, memo: ids };
}

/** Puts the rows a merge moved back on the merged person. */
export async function moveRowsBack(trx: Db, d: CustomerData, m: { fromId: number; memo: unknown }): Promise<void> {
  const ids = (m.memo ?? []) as number[];
  if (ids.length > 0)
    await sql`update ${sql.table(d.table)} set ${sql.ref(customerColumns(d)[0])} = ${m.fromId} where ${sql.ref(d.key ?? 'id')} = any(${ids}::bigint[])`.execute(
      trx,
    );
}
