import { sql } from 'kysely';
import type { Gauge } from '../../module.ts';

/** Imports under way: rows done so far (its rate is the import's ingest rate). */
export const ingestGauges: Gauge[] = [
  {
    name: 'patron_import_rows_done',
    help: 'Rows of each running CSV import done so far (rate() of it is the import speed)',
    labels: ['import', 'kind'],
    read: async (db) => {
      const r = await sql<{ id: number; kind: string; rows_done: number }>`
        select id, kind, rows_done from imports where status = 'running'`.execute(db);
      return r.rows.map((x) => ({ labels: { import: String(x.id), kind: x.kind }, value: Number(x.rows_done) }));
    },
  },
];
