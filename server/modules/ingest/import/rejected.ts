import { stringify } from 'csv-stringify/sync';
import type { Db } from '../../../db/index.ts';
import { type Keyring, decryptField } from '../../../platform/crypto.ts';
import { safeRow } from '../../../platform/csv-safe.ts';
import type { Actor } from '../../../http/principal.ts';
import { recordAudit } from '../../audit/index.ts';
import { importErrors } from './import.service.ts';
import { reasonIn } from './reasons.ts';

export type RejectedLanguage = 'zh-CN' | 'en';

const HEADINGS: Record<RejectedLanguage, { row: string; column: string; reason: string }> = {
  'zh-CN': { row: '行号', column: '问题列', reason: '原因' },
  en: { row: 'Row', column: 'Column', reason: 'Reason' },
};

/**
 * The rejected rows of an import as a CSV to fix and import again: row number, the column at fault and the reason,
 * then the file's own columns with the cells as read (personal cells masked unless `reveal`: the caller may see
 * personal data and has audited it). Opens in Excel (BOM) and neutralises formula cells.
 */
export async function rejectedRowsCsv(
  db: Db,
  keyring: Keyring,
  id: number,
  opts: { reveal: boolean; language: RejectedLanguage; actor: Actor },
): Promise<string> {
  const imp = await db.selectFrom('imports').select(['options']).where('id', '=', id).executeTakeFirst();
  if (!imp) throw importErrors.notFound(id);
  if (opts.reveal) await recordAudit(db, { actor: opts.actor, action: 'import.errors.reveal', target: { type: 'import', id } });
  const rows = await db
    .selectFrom('import_errors')
    .select(['row_number', 'column_name', 'reason', 'raw', 'raw_enc'])
    .where('import_id', '=', id)
    .orderBy('row_number')
    .orderBy('id')
    .execute();
  const cellsOf = (r: (typeof rows)[number]) =>
    opts.reveal && r.raw_enc
      ? (JSON.parse(decryptField(keyring, r.raw_enc)) as Record<string, string>)
      : ((r.raw ?? {}) as Record<string, string>);
  const header = ((imp.options as { header?: string[] }).header ?? Object.keys(rows[0] ? cellsOf(rows[0]) : {})).filter((h) => h !== '');
  const h = HEADINGS[opts.language];
  const body = rows.map((r) => {
    const cells = cellsOf(r);
    return safeRow([String(r.row_number), r.column_name ?? '', reasonIn(opts.language, r.reason), ...header.map((c) => cells[c] ?? '')]);
  });
  return stringify([[h.row, h.column, h.reason, ...header], ...body], { bom: true });
}

/** Whether an import kept any rejected row or value. */
export async function hasRejected(db: Db, id: number): Promise<boolean> {
  return Boolean(await db.selectFrom('import_errors').select('id').where('import_id', '=', id).limit(1).executeTakeFirst());
}
