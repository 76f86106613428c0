import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { idParams } from '../../../../contracts/common.ts';
import { importList, startImportBody, startImportResult, undoResult, uploadQuery, uploadResult } from '../../../../contracts/imports.ts';
import { actorOf } from '../../../http/principal.ts';
import { defineRoute } from '../../../http/route.ts';
import { importErrorRows } from './import.service.ts';
import { undoImport } from './undo.service.ts';
import { listImports, startImport, storeUpload } from './uploads.ts';

export const importRoutes = [
  defineRoute({
    method: 'POST',
    url: '/imports/upload',
    access: 'customers.write',
    tag: 'imports',
    summary: 'Upload a CSV (body: the file, Content-Type text/csv); returns its header, a preview and a suggested mapping',
    query: uploadQuery,
    body: z.instanceof(Buffer),
    bodyLimit: 200 * 1024 * 1024,
    status: 201,
    response: uploadResult,
    handler: ({ ctx, query, body, principal, ip }) => storeUpload(ctx.db, { fileName: query.fileName, content: body, kind: query.kind, actor: actorOf(principal, ip) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/imports',
    access: 'customers.write',
    tag: 'imports',
    summary: 'Start importing an uploaded file with a mapping (a background job; resumes if interrupted)',
    status: 202,
    body: startImportBody,
    response: startImportResult,
    handler: ({ ctx, body }) => startImport(ctx, body),
  }),
  defineRoute({
    method: 'GET',
    url: '/imports',
    access: 'customers.read',
    tag: 'imports',
    summary: 'Imports with their progress and counts',
    response: importList,
    handler: async ({ ctx }) => ({ items: await listImports(ctx.db, 50) }),
  }),
  defineRoute({
    method: 'GET',
    url: '/imports/:id/errors',
    access: 'customers.read',
    tag: 'imports',
    summary: 'Rejected rows as CSV: row, column, reason, data (personal cells masked)',
    params: idParams,
    handler: async ({ ctx, params, reply }) => {
      const rows = await importErrorRows(ctx.db, params.id);
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="import-${params.id}-errors.csv"`);
      return stringify(rows.map((e) => ({ row: e.row_number, column: e.column_name ?? '', reason: e.reason, data: JSON.stringify(e.raw) })), { header: true, bom: true, columns: ['row', 'column', 'reason', 'data'] });
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/imports/:id/undo',
    access: 'customers.write',
    tag: 'imports',
    summary: 'Undo an import: what it created is removed, refunds it applied are reversed',
    params: idParams,
    response: undoResult,
    handler: ({ ctx, params, principal, ip }) => undoImport(ctx.db, { id: params.id, actor: actorOf(principal, ip), now: ctx.clock.now() }),
  }),
];
