import { z } from 'zod';
import { idParams } from '../../../../contracts/common.ts';
import {
  importList,
  rejectedRowsQuery,
  uploadPreviewQuery,
  startImportBody,
  startImportResult,
  undoResult,
  uploadQuery,
  uploadResult,
} from '../../../../contracts/imports.ts';
import { actorOf } from '../../../http/principal.ts';
import { defineRoute } from '../../../http/route.ts';
import { revealAsked } from '../../customers/index.ts';
import { rejectedRowsCsv } from './rejected.ts';
import { undoImport } from './undo.service.ts';
import { listImports, previewUpload, startImport, storeUpload } from './uploads.ts';

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
    handler: ({ ctx, query, body, principal, ip }) =>
      storeUpload(ctx.db, { fileName: query.fileName, content: body, kind: query.kind, actor: actorOf(principal, ip) }),
  }),
  defineRoute({
    method: 'GET',
    url: '/imports/upload/:id',
    access: 'customers.write',
    tag: 'imports',
    summary: 'An upload’s header, preview and suggested mapping, read in the encoding asked for (default: detected)',
    params: idParams,
    query: uploadPreviewQuery,
    response: uploadResult,
    handler: ({ ctx, params, query }) => previewUpload(ctx.db, { uploadId: params.id, kind: query.kind, encoding: query.encoding }),
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
    summary:
      'Rejected rows as CSV to fix and import again: row, column, reason, then the file’s columns (personal cells masked unless reveal=true; reveals audited)',
    params: idParams,
    query: rejectedRowsQuery,
    handler: async ({ ctx, params, query, principal, ip, reply }) => {
      const csv = await rejectedRowsCsv(ctx.db, ctx.keyring, params.id, {
        reveal: revealAsked(principal, query.reveal),
        language: query.lang ?? 'zh-CN',
        actor: actorOf(principal, ip),
      });
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${params.id}-rejected.csv"`);
      return csv;
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
    handler: ({ ctx, params, principal, ip }) =>
      undoImport(ctx.db, { id: params.id, actor: actorOf(principal, ip), now: ctx.clock.now(), data: ctx.modules.customerData }),
  }),
];
