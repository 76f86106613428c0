import type { Db } from '../../../db/index.ts';
import type { Keyring } from '../../../platform/crypto.ts';
import { sha256 } from '../../../platform/ids.ts';
import { scrubPersonal } from '../../customers/index.ts';
import { type Identifier, findKnownCustomers, resolveCustomers, unusableIdentifiers } from '../../identity/index.ts';
import { type NewEvent, insertEvents } from '../../events/index.ts';
import { TARGETS } from './mapping.ts';
import { type ImportOptions, type Outcome, type Row, RowProblem, buyerIdentifiers, reader } from './rows.ts';

type ParsedEvent = { row: Row; identifiers: Identifier[]; event: Omit<NewEvent, 'customerId'> };

function properties(row: Row, mapping: Record<string, string>): Record<string, unknown> {
  const mapped = new Set(Object.values(mapping));
  const props: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row.cells)) if (!mapped.has(column) && value.trim() !== '') props[column] = value.trim();
  const json = reader(mapping)(row, 'properties');
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new RowProblem(mapping.properties, 'properties: not valid JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new RowProblem(mapping.properties, 'properties: not a JSON object');
    Object.assign(props, parsed);
  }
  return scrubPersonal(props);
}

/**
 * A row's event. Without a message id column the id is derived from the event's content, so importing
 * the same events again (from any file) stores nothing new.
 */
function parseEvent(row: Row, mapping: Record<string, string>, o: ImportOptions): ParsedEvent {
  const get = (t: string) => reader(mapping)(row, t);
  const name = get('event');
  if (!name) throw new RowProblem(mapping.event ?? null, 'event is empty');
  if (name.length > 200) throw new RowProblem(mapping.event, 'event: longer than 200 characters');
  const occurredAt = o.parseDate(get('occurred_at'));
  if (!occurredAt)
    throw new RowProblem(mapping.occurred_at ?? null, `occurred_at: not a date in the expected format (${get('occurred_at')})`);
  const identifiers = buyerIdentifiers(get, 'customer_external_id', o.channelCode);
  const anonymousId = get('anonymous_id') || null;
  if (identifiers.length === 0 && !anonymousId)
    throw new RowProblem(null, 'no person: map customer_external_id, phone, email or anonymous_id');
  if (anonymousId) identifiers.push({ kind: 'anonymous', value: anonymousId });
  const props = properties(row, mapping);
  const content = JSON.stringify([name, occurredAt.toISOString(), TARGETS.events.map((t) => get(t)), props]);
  const messageId = `csv:${o.channelCode}:${get('message_id') || sha256(content)}`;
  return {
    row,
    identifiers,
    event: { anonymousId, type: 'track', name, properties: props, occurredAt, receivedAt: o.now, messageId, importId: o.importId },
  };
}

/**
 * Event rows as one batch: people with an e-mail, phone or external id are resolved (or created) together,
 * events with only an anonymous id go to whoever that id was stitched to (else they stay anonymous until it
 * is), and every event is stored in one statement. An event already stored is counted as skipped.
 */
export async function importEventRows(
  trx: Db,
  keyring: Keyring,
  rows: Row[],
  mapping: Record<string, string>,
  o: ImportOptions,
  out: Outcome,
) {
  const ready: ParsedEvent[] = [];
  for (const row of rows) {
    try {
      const parsed = parseEvent(row, mapping, o);
      const unusable = unusableIdentifiers(keyring, parsed.identifiers);
      if (unusable) throw new RowProblem(null, unusable.map((x) => `${x.identifier.kind}: ${x.reason}`).join('; '));
      ready.push(parsed);
    } catch (err) {
      if (!(err instanceof RowProblem)) throw err;
      out.errors.push({ row: row.n, column: err.column, reason: err.message, raw: row.cells });
    }
  }
  const known = ready.filter((p) => p.identifiers.some((i) => i.kind !== 'anonymous'));
  const anonymous = ready.filter((p) => !known.includes(p));
  const resolved = await resolveCustomers(
    trx,
    keyring,
    known.map((p) => ({ identifiers: p.identifiers })),
    { source: o.source, firstChannelId: o.channelId, now: o.now },
  );
  for (const r of resolved) if (r.created) out.records.push({ entity: 'customer', id: r.customerId });
  const stitched = await findKnownCustomers(
    trx,
    keyring,
    anonymous.map((p) => p.identifiers),
    o.now,
  );
  const events: NewEvent[] = [
    ...known.map((p, i) => ({ ...p.event, customerId: resolved[i].customerId })),
    ...anonymous.map((p, i) => ({ ...p.event, customerId: stitched[i] })),
  ];
  const stored = await insertEvents(trx, events);
  out.created += stored.count;
  out.skipped = (out.skipped ?? 0) + events.length - stored.count;
}
