import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import type { Db, ImportKind } from '../../../db/index.ts';
import type { Actor } from '../../../http/principal.ts';
import { defineJob } from '../../../jobs/index.ts';
import type { AppContext } from '../../../platform/context.ts';
import { AppError } from '../../../platform/errors.ts';
import { pacing } from '../../../platform/pacing.ts';
import { storeSettingsOf } from '../../system/index.ts';
import { resolveMapping, runImport } from './import.service.ts';
import { TARGETS, suggestMapping } from './mapping.ts';
import { type Encoding, decodeText, detectEncoding } from './encoding.ts';
import type { startImportBody } from '../../../../contracts/imports.ts';
import { jobPayloads } from '../../../../contracts/jobs.ts';

/** Web-UI imports: the file is uploaded (kept in the database), previewed with a suggested mapping, then imported by a job. */

export const uploadErrors = {
  notCsv: () => new AppError('IMPORT_FILE_INVALID', 'invalid', 'The file is empty or not CSV with a header row.'),
  notFound: (id: number) => new AppError('IMPORT_UPLOAD_NOT_FOUND', 'not_found', `Upload ${id} does not exist.`),
};

function headerAndPreview(content: Uint8Array, chosen?: Encoding) {
  // bytea comes back as a Buffer from node-postgres and as a plain Uint8Array from PGlite.
  const encoding = chosen ?? detectEncoding(content.subarray(0, 64 * 1024));
  const text = decodeText(content.subarray(0, 256 * 1024), encoding);
  const firstLines = text.split(/\r?\n/).slice(0, 21).join('\n');
  try {
    const rows = parse(firstLines, { bom: true, relax_column_count: true, skip_empty_lines: true, relax_quotes: true }) as string[][];
    if (rows.length === 0 || rows[0].every((h) => !h.trim())) throw uploadErrors.notCsv();
    return { encoding, header: rows[0].map((h) => h.trim()), preview: rows.slice(1, 6) };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw uploadErrors.notCsv();
  }
}

const previewOf = (uploadId: number, kind: ImportKind, p: ReturnType<typeof headerAndPreview>) => ({
  uploadId,
  ...p,
  suggested: suggestMapping(kind, p.header),
  targets: [...TARGETS[kind]],
});

export async function storeUpload(db: Db, opts: { fileName: string; content: Buffer; kind: ImportKind; actor: Actor }) {
  const p = headerAndPreview(opts.content);
  const row = await db
    .insertInto('import_uploads')
    .values({ file_name: opts.fileName, content: opts.content, uploaded_by: opts.actor.label })
    .returning('id')
    .executeTakeFirstOrThrow();
  return previewOf(row.id, opts.kind, p);
}

/** An upload's header and preview read again in another encoding (the user saw garbled text). */
export async function previewUpload(db: Db, opts: { uploadId: number; kind: ImportKind; encoding?: Encoding }) {
  const upload = await db.selectFrom('import_uploads').select('content').where('id', '=', opts.uploadId).executeTakeFirst();
  if (!upload) throw uploadErrors.notFound(opts.uploadId);
  return previewOf(opts.uploadId, opts.kind, headerAndPreview(upload.content, opts.encoding));
}

export type StartImportOptions = z.infer<typeof startImportBody>;

export const importJob = defineJob<StartImportOptions, AppContext>({
  name: 'ingest-import',
  version: 1,
  schema: jobPayloads['ingest-import'],
  retryLimit: 3,
  handler: async (data, ctx) => {
    const upload = await ctx.db
      .selectFrom('import_uploads')
      .select(['file_name', 'content'])
      .where('id', '=', data.uploadId)
      .executeTakeFirst();
    if (!upload) throw uploadErrors.notFound(data.uploadId);
    const dir = mkdtempSync(join(tmpdir(), 'patron-upload-'));
    const file = join(dir, upload.file_name.replace(/[^\w.\-\u4e00-\u9fff]/g, '_') || 'upload.csv');
    writeFileSync(file, upload.content);
    try {
      const store = await storeSettingsOf(ctx);
      // A retried job resumes the same import (same file digest) after its last committed row.
      const summary = await runImport(ctx.db, ctx.keyring, {
        ...data,
        file,
        timeZone: store.timeZone,
        currency: store.currency,
        batchSize: pacing(ctx.config).importBatch,
        now: () => ctx.clock.now(),
      });
      await ctx.db.updateTable('imports').set({ upload_id: data.uploadId }).where('id', '=', summary.id).execute();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

export async function startImport(ctx: AppContext, opts: StartImportOptions) {
  const upload = await ctx.db.selectFrom('import_uploads').select('content').where('id', '=', opts.uploadId).executeTakeFirst();
  if (!upload) throw uploadErrors.notFound(opts.uploadId);
  // Check the mapping now, so a wrong column is reported to the user rather than failing in the job.
  resolveMapping(opts.kind, headerAndPreview(upload.content, opts.encoding).header, opts.mapping);
  const jobId = await ctx.queue.enqueue(importJob, opts);
  return { uploadId: opts.uploadId, jobId };
}

/** Imports, newest first, with progress (rows committed so far) for the web page. */
export async function listImports(db: Db, limit: number) {
  const rows = await db.selectFrom('imports').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    fileName: r.file_name,
    status: r.status,
    rows: r.rows_done,
    created: r.created,
    updated: r.updated,
    skipped: r.skipped,
    failed: r.failed,
    unlinkedReturns: r.unlinked_returns,
    uploadId: r.upload_id,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  }));
}
