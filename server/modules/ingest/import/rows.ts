import type { Db } from '../../../db/index.ts';
import { mergeAttributes, normalizeExternalId } from '../../customers/index.ts';
import type { Identifier, ResolveResult } from '../../identity/index.ts';

/** One data row of a file: its 1-based row number (header excluded) and its cells by column name. */
export type Row = { n: number; cells: Record<string, string> };
export type RowError = { row: number; column: string | null; reason: string; raw: Record<string, string> };
export type Outcome = {
  created: number;
  updated: number;
  skipped?: number;
  failed: number;
  /** Return lines whose purchase predates the file: refunded against the buyer, not an order. */
  unlinkedReturns?: number;
  errors: RowError[];
  /** Existing customers' fields as they were before this import changed them (undo restores them). */
  before?: { customerId: number; fields: Record<string, unknown> }[];
  /** What the import created or changed, for undo (orders and events carry their import id instead). */
  records: { entity: 'customer' | 'product' | 'refund'; id: number; amount?: number }[];
};

export type ImportOptions = {
  importId: number;
  channelId: number;
  channelCode: string;
  currency: string;
  parseDate: (t: string) => Date | null;
  /** Date-only values (birthdays): read as calendar days, never shifted by a time zone. */
  parseDay: (t: string) => string | null;
  source: string;
  now: Date;
  /** An order id starting with this prefix and a digit is a return (one data set's convention: off unless given). */
  returnsPrefix?: string;
  /** Change non-empty profile fields of existing customers (else an import only fills empty ones). */
  updateExisting?: boolean;
  /** Unmapped columns kept as custom attributes of the row's person: column → attribute key. */
  attributes?: Record<string, string>;
};

export class RowProblem extends Error {
  constructor(
    readonly column: string | null,
    reason: string,
  ) {
    super(reason);
  }
}

export const emptyOutcome = (): Outcome => ({ created: 0, updated: 0, failed: 0, errors: [], records: [] });

/** How an import resolves people: only empty profile fields are filled unless the import updates existing values. */
export const resolveOptions = (o: ImportOptions) => ({
  source: o.source,
  firstChannelId: o.channelId,
  now: o.now,
  fill: o.updateExisting ? ('overwrite' as const) : ('fill' as const),
});

/** What resolving people changed on existing ones (for undo), and the unmapped columns kept as their attributes. */
export async function afterResolve(trx: Db, resolved: { row: Row; result: ResolveResult }[], o: ImportOptions, out: Outcome) {
  out.before = out.before ?? [];
  const before = out.before;
  for (const { result } of resolved) if (result.before) before.push({ customerId: result.customerId, fields: result.before });
  const columns = Object.entries(o.attributes ?? {});
  if (columns.length === 0) return;
  const updates = resolved.map(({ row, result }) => ({
    customerId: result.customerId,
    values: Object.fromEntries(
      columns.filter(([column]) => (row.cells[column] ?? '').trim() !== '').map(([column, key]) => [key, row.cells[column].trim()]),
    ),
  }));
  const images = await mergeAttributes(
    trx,
    updates.filter((u) => Object.keys(u.values).length > 0),
    o.updateExisting ? 'overwrite' : 'fill',
  );
  // A person created by this batch has nothing to restore; their image is harmless (undo deletes them).
  before.push(...images);
}

/** The order id starts with the returns prefix (any case) and a digit: C536379 with prefix C. */

export const reader = (mapping: Record<string, string>) => (row: Row, target: string) =>
  mapping[target] ? (row.cells[mapping[target]] ?? '').trim() : '';

export function number(get: (t: string) => string, target: string, column: string): number | null {
  const text = get(target).replace(/[,¥$￥\s]/g, '');
  if (!text) return null;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new RowProblem(column, `${target}: not a number (${get(target)})`);
  return n;
}

export function buyerIdentifiers(get: (t: string) => string, externalTarget: string, channel: string): Identifier[] {
  const ids: Identifier[] = [];
  const ext = get(externalTarget);
  if (ext) ids.push({ kind: 'external', channel, value: normalizeExternalId(ext) });
  if (get('phone')) ids.push({ kind: 'phone', value: get('phone') });
  if (get('email')) ids.push({ kind: 'email', value: get('email') });
  return ids;
}

export const reasons = (rejected: ResolveResult['rejected']) => rejected.map((x) => `${x.identifier.kind}: ${x.reason}`).join('; ');
export const rejectAll = (mapping: Record<string, string>, rejected: ResolveResult['rejected']) =>
  new RowProblem(mapping[rejected[0].identifier.kind] ?? null, reasons(rejected));

/** Customer rows resolved as one batch; a row the batch cannot take (it throws) sends the caller one row at a time. */
