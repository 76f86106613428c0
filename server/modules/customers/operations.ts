import { stringify } from 'csv-stringify/sync';
import { sql } from 'kysely';
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { type CustomerSummary, customerFilter } from '../../../contracts/customers.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { defineJob } from '../../jobs/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { safeRow } from '../../platform/csv-safe.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { type CustomerFilter, type Row, filteredCustomers, presentSummary } from './customers.service.ts';
import { type JobPayload, jobPayloads } from '../../../contracts/jobs.ts';

/** Bulk tag / untag / export of a filtered set: queued as a job in the request's transaction, with progress. */

const CHUNK = 1000;
type ExportLanguage = 'zh-CN' | 'en';
const EXPORT_COLUMNS = ['id', 'name', 'gender', 'province', 'city', 'email', 'phone', 'firstChannel', 'createdAt'] as const;
/** The export's header row in the reader's language (the file is opened in Excel or WPS, not parsed by code). */
const HEADINGS: Record<ExportLanguage, Record<(typeof EXPORT_COLUMNS)[number], string>> = {
  'zh-CN': {
    id: '客户 ID',
    name: '姓名',
    gender: '性别',
    province: '省份',
    city: '城市',
    email: '邮箱',
    phone: '手机号',
    firstChannel: '首次来源渠道',
    createdAt: '建档时间',
  },
  en: {
    id: 'Customer ID',
    name: 'Name',
    gender: 'Gender',
    province: 'Province',
    city: 'City',
    email: 'E-mail',
    phone: 'Phone',
    firstChannel: 'First channel',
    createdAt: 'Created',
  },
};
const GENDERS: Record<ExportLanguage, Record<string, string>> = {
  'zh-CN': { male: '男', female: '女', unknown: '' },
  en: { male: 'male', female: 'female', unknown: '' },
};

/** One export row: the person's cells, spreadsheet-safe (a name like =HYPERLINK(…) is text, not a formula). */
function exportCells(s: CustomerSummary, language: ExportLanguage): unknown[] {
  return safeRow([
    s.id,
    s.name ?? '',
    GENDERS[language][s.gender] ?? s.gender,
    s.province ?? '',
    s.city ?? '',
    s.email ?? '',
    s.phone ?? '',
    s.firstChannelName ?? s.firstChannel ?? '',
    s.createdAt,
  ]);
}

export const operationErrors = {
  notFound: (id: number) => new AppError('OPERATION_NOT_FOUND', 'not_found', `Operation ${id} does not exist.`),
  notReady: (id: number, status: string) => new AppError('EXPORT_NOT_READY', 'conflict', `Export ${id} is ${status}.`),
};

async function runChunks(ctx: AppContext, opId: number, filter: CustomerFilter, each: (rows: Row[]) => Promise<void>) {
  const total = await filteredCustomers(ctx.db, ctx.keyring, filter)
    .clearSelect()
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirstOrThrow();
  await ctx.db.updateTable('customer_operations').set({ status: 'running', total: total.n, done: 0 }).where('id', '=', opId).execute();
  let after = 0;
  let done = 0;
  for (;;) {
    const rows = (await filteredCustomers(ctx.db, ctx.keyring, filter)
      .where('customers.id', '>', after)
      .orderBy('customers.id')
      .limit(CHUNK)
      .execute()) as Row[];
    if (rows.length === 0) break;
    await each(rows);
    after = rows[rows.length - 1].id;
    done += rows.length;
    await ctx.db.updateTable('customer_operations').set({ done }).where('id', '=', opId).execute();
  }
}

export const customerOperationJob = defineJob<JobPayload<'customers-operation'>, AppContext>({
  name: 'customers-operation',
  version: 1,
  schema: jobPayloads['customers-operation'],
  retryLimit: 2,
  handler: async ({ operationId }, ctx) => {
    const op = await ctx.db.selectFrom('customer_operations').selectAll().where('id', '=', operationId).executeTakeFirst();
    if (!op || op.status === 'completed') return; // idempotent: a retried job does not redo finished work
    const params = op.params as { filter: CustomerFilter; tag?: string; reveal?: boolean; language?: ExportLanguage };
    const language = params.language ?? 'zh-CN';
    const filter = customerFilter.parse(params.filter);
    try {
      if (op.kind === 'export') {
        await ctx.db.deleteFrom('customer_operation_parts').where('operation_id', '=', op.id).execute(); // a retried job starts the file again
        let seq = 0;
        await runChunks(ctx, op.id, filter, async (rows) => {
          const lines = rows.map((r) => exportCells(presentSummary(ctx.keyring, r, params.reveal === true), language));
          const csv = stringify(seq === 0 ? [header(language), ...lines] : lines, { bom: seq === 0 });
          await ctx.db
            .insertInto('customer_operation_parts')
            .values({ operation_id: op.id, seq: seq++, content: gzipSync(csv) })
            .execute();
        });
        if (seq === 0)
          await ctx.db
            .insertInto('customer_operation_parts')
            .values({ operation_id: op.id, seq, content: gzipSync(stringify([header(language)], { bom: true })) })
            .execute();
        await ctx.db
          .updateTable('customer_operations')
          .set({ status: 'completed', completed_at: ctx.clock.now() })
          .where('id', '=', op.id)
          .execute();
        return;
      }
      await runChunks(ctx, op.id, filter, async (rows) => {
        const ids = rows.map((r) => r.id);
        if (op.kind === 'tag') {
          await sql`insert into customer_tags (customer_id, tag, source) select unnest(${ids}::bigint[]), ${params.tag}, ${`bulk:${op.id}`}
            on conflict (customer_id, tag) do nothing`.execute(ctx.db);
        } else {
          await ctx.db.deleteFrom('customer_tags').where('customer_id', 'in', ids).where('tag', '=', params.tag!).execute();
        }
      });
      await ctx.db
        .updateTable('customer_operations')
        .set({ status: 'completed', completed_at: ctx.clock.now() })
        .where('id', '=', op.id)
        .execute();
    } catch (err) {
      await ctx.db
        .updateTable('customer_operations')
        .set({ status: 'failed', error: (err as Error).message })
        .where('id', '=', op.id)
        .execute();
      throw err;
    }
  },
});

const header = (language: ExportLanguage) => EXPORT_COLUMNS.map((c) => HEADINGS[language][c]);

export async function startOperation(
  ctx: AppContext,
  opts: {
    kind: 'tag' | 'untag' | 'export';
    filter: CustomerFilter;
    tag?: string;
    reveal?: boolean;
    language?: ExportLanguage;
    actor: Actor;
  },
) {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('customer_operations')
      .values({
        kind: opts.kind,
        params: JSON.stringify({ filter: opts.filter, tag: opts.tag, reveal: opts.reveal ?? false, language: opts.language }),
        requested_by: opts.actor.label,
        total: null,
        result: null,
        error: null,
        completed_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await ctx.queue.enqueue(customerOperationJob, { operationId: row.id }, { trx });
    const action = opts.kind === 'export' ? 'customers.export' : `customers.bulk_${opts.kind}`;
    await recordAudit(trx, {
      actor: opts.actor,
      action,
      target: { type: 'customer_operation', id: row.id },
      details: { filter: opts.filter, tag: opts.tag, revealed: opts.reveal ?? false },
    });
    return getOperation(trx, row.id);
  });
}

export async function getOperation(db: Db, id: number) {
  const op = await db
    .selectFrom('customer_operations')
    .select(['id', 'kind', 'status', 'total', 'done', 'error', 'created_at', 'completed_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!op) throw operationErrors.notFound(id);
  return {
    id: op.id,
    kind: op.kind,
    status: op.status,
    total: op.total,
    done: op.done,
    error: op.error,
    createdAt: op.created_at.toISOString(),
    completedAt: op.completed_at?.toISOString() ?? null,
  };
}

/**
 * The export file as a CSV stream (BOM, opens in Excel): its parts are stored as gzip members, which concatenated
 * form one gzip stream, read from the database one at a time and inflated on the way out, so memory stays flat
 * however large the export. Every download is audited.
 */
export async function downloadExport(db: Db, opts: { id: number; actor: Actor }): Promise<Readable> {
  const op = await db.selectFrom('customer_operations').select(['kind', 'status', 'result']).where('id', '=', opts.id).executeTakeFirst();
  if (!op) throw operationErrors.notFound(opts.id);
  if (op.kind !== 'export') throw operationErrors.notFound(opts.id);
  if (op.status !== 'completed') throw operationErrors.notReady(opts.id, op.status);
  await recordAudit(db, { actor: opts.actor, action: 'customers.export_download', target: { type: 'customer_operation', id: opts.id } });
  const legacy = op.result; // exports finished before parts existed hold the whole file
  async function* parts() {
    if (legacy) yield Buffer.from(legacy);
    for (let seq = 0; ; seq++) {
      const part = await db
        .selectFrom('customer_operation_parts')
        .select('content')
        .where('operation_id', '=', opts.id)
        .where('seq', '=', seq)
        .executeTakeFirst();
      if (!part) return;
      yield Buffer.from(part.content);
    }
  }
  return Readable.from(parts()).pipe(createGunzip());
}
