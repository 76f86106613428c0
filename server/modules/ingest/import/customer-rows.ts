import type { Db } from '../../../db/index.ts';
import type { Keyring } from '../../../platform/crypto.ts';
import { type ResolveRequest, type ResolveResult, resolveCustomer, resolveCustomers, unusableIdentifiers } from '../../identity/index.ts';
import {
  type ImportOptions,
  type Outcome,
  type Row,
  RowProblem,
  afterResolve,
  buyerIdentifiers,
  reader,
  rejectAll,
  resolveOptions,
} from './rows.ts';

const GENDER: Record<string, 'male' | 'female' | 'unknown'> = {
  male: 'male',
  m: 'male',
  男: 'male',
  female: 'female',
  f: 'female',
  女: 'female',
};

function customerRequest(row: Row, mapping: Record<string, string>, o: ImportOptions): ResolveRequest {
  const get = (t: string) => reader(mapping)(row, t);
  const identifiers = buyerIdentifiers(get, 'external_id', o.channelCode);
  if (identifiers.length === 0) throw new RowProblem(null, 'no identifier: map external_id, phone or email');
  const birthday = get('birthday') ? o.parseDay(get('birthday')) : null;
  if (get('birthday') && !birthday) throw new RowProblem(mapping.birthday, `birthday: not a date (${get('birthday')})`);
  const profile = {
    name: get('name') || undefined,
    gender: GENDER[get('gender').toLowerCase()],
    birthday: birthday ?? undefined,
    province: get('province') || undefined,
    city: get('city') || undefined,
    district: get('district') || undefined,
    address: get('address') || undefined,
  };
  return { identifiers, profile };
}

function customerOutcome(row: Row, mapping: Record<string, string>, r: ResolveResult, out: Outcome) {
  for (const x of r.rejected)
    out.errors.push({
      row: row.n,
      column: mapping[x.identifier.kind] ?? null,
      reason: `${x.identifier.kind}: ${x.reason} (row imported without it)`,
      raw: row.cells,
    });
  if (r.created) {
    out.created++;
    out.records.push({ entity: 'customer', id: r.customerId });
  } else out.updated++;
}

export async function importCustomerRows(
  trx: Db,
  keyring: Keyring,
  rows: Row[],
  mapping: Record<string, string>,
  o: ImportOptions,
  out: Outcome,
) {
  const ready: { row: Row; request: ResolveRequest }[] = [];
  for (const row of rows) {
    try {
      const request = customerRequest(row, mapping, o);
      const unusable = unusableIdentifiers(keyring, request.identifiers);
      if (unusable) throw rejectAll(mapping, unusable);
      ready.push({ row, request });
    } catch (err) {
      if (!(err instanceof RowProblem)) throw err;
      out.errors.push({ row: row.n, column: err.column, reason: err.message, raw: row.cells });
    }
  }
  const results = await resolveCustomers(
    trx,
    keyring,
    ready.map((x) => x.request),
    resolveOptions(o),
  );
  for (const [i, x] of ready.entries()) customerOutcome(x.row, mapping, results[i], out);
  await afterResolve(
    trx,
    ready.map((x, i) => ({ row: x.row, result: results[i] })),
    o,
    out,
  );
}

export async function importCustomerRow(
  trx: Db,
  keyring: Keyring,
  row: Row,
  mapping: Record<string, string>,
  o: ImportOptions,
  out: Outcome,
) {
  const request = customerRequest(row, mapping, o);
  const r = await resolveCustomer(trx, keyring, { ...request, ...resolveOptions(o) });
  if (r.rejected.length === request.identifiers.length) throw rejectAll(mapping, r.rejected);
  customerOutcome(row, mapping, r, out);
  await afterResolve(trx, [{ row, result: r }], o, out);
}
