import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { as, type Session, signIn, startTestPatron } from '../../../../test/app.ts';
import type { Patron } from '../../../app.ts';

describe('imports through the web API', () => {
  let patron: Patron;
  let owner: Session;
  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
  });
  afterAll(() => patron.close());

  it('uploads, suggests a mapping, imports in a job with progress, reports errors, and undoes', async () => {
    const csv =
      '订单号,会员ID,手机号,下单时间,商品编码,商品名称,数量,单价\nN1,m1,,2026-05-01 10:00:00,S1,面霜,1,99.00\nN1,m1,,2026-05-01 10:00:00,S2,面膜,2,20.00\nN2,,,2026-05-02 10:00:00,S1,面霜,1,99.00\nN3,m3,13800001111,2026-02-30 10:00:00,"=HYPERLINK(""http://x"")",1,99.00\n';
    const up = await patron.http.inject({
      method: 'POST',
      url: '/api/v1/imports/upload?kind=orders&fileName=订单.csv',
      headers: { ...as(owner), 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(up.statusCode).toBe(201);
    const upload = up.json();
    expect(upload.suggested).toMatchObject({
      order_id: '订单号',
      customer_external_id: '会员ID',
      placed_at: '下单时间',
      sku: '商品编码',
      product_name: '商品名称',
      quantity: '数量',
      unit_price: '单价',
    });
    expect(upload.encoding).toBe('utf-8');
    expect(upload.preview[0]).toEqual(['N1', 'm1', '', '2026-05-01 10:00:00', 'S1', '面霜', '1', '99.00']);
    // Read again as another encoding on request (the user saw garbled text).
    const again = await patron.http.inject({
      method: 'GET',
      url: `/api/v1/imports/upload/${upload.uploadId}?kind=orders&encoding=gb18030`,
      headers: as(owner),
    });
    expect([again.statusCode, again.json().encoding]).toEqual([200, 'gb18030']);
    const bad = await patron.http.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: as(owner),
      payload: { uploadId: upload.uploadId, kind: 'orders', mapping: { order_id: 'Nope' } },
    });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'IMPORT_MAPPING_INVALID']);
    const start = await patron.http.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: as(owner),
      payload: { uploadId: upload.uploadId, kind: 'orders', mapping: upload.suggested, channel: 'web_upload' },
    });
    expect(start.statusCode, start.body).toBe(202);
    let imp: { id: number; status: string; rows: number; created: number; failed: number } | undefined;
    for (let i = 0; i < 120 && imp?.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      imp = (await patron.http.inject({ method: 'GET', url: '/api/v1/imports', headers: as(owner) }))
        .json()
        .items.find((x: { uploadId: number | null; fileName: string }) => x.fileName.endsWith('.csv'));
    }
    expect(imp).toMatchObject({ status: 'completed', rows: 4, created: 2, failed: 2 });
    // The rejected rows as a file to fix and import again: row, column, reason, then the file's own columns.
    const errors = await patron.http.inject({ method: 'GET', url: `/api/v1/imports/${imp!.id}/errors?lang=zh-CN`, headers: as(owner) });
    const masked = parse(errors.body, { bom: true }) as string[][];
    expect(masked[0]).toEqual(['行号', '问题列', '原因', '订单号', '会员ID', '手机号', '下单时间', '商品编码', '商品名称', '数量', '单价']);
    expect(masked[1].slice(0, 4)).toEqual(['3', '会员ID', '没有买家：请对应买家 ID、手机号或邮箱列', 'N2']);
    expect(masked[2].slice(3, 9)).toEqual(['N3', 'm3', '****', '2026-02-30 10:00:00', `'=HYPERLINK("http://x")`, '1']);
    const revealed = await patron.http.inject({
      method: 'GET',
      url: `/api/v1/imports/${imp!.id}/errors?reveal=true&lang=en`,
      headers: as(owner),
    });
    const rows = parse(revealed.body, { bom: true }) as string[][];
    expect(rows[0].slice(0, 3)).toEqual(['Row', 'Column', 'Reason']);
    expect(rows[2][5]).toBe('13800001111');
    const audit = await patron.ctx.db.selectFrom('audit_log').select('action').where('action', '=', 'import.errors.reveal').execute();
    expect(audit).toHaveLength(1);
    await patron.http.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: as(owner),
      payload: { email: 'analyst@test.cn', name: 'A', role: 'analyst', password: 'analyst-password-1' },
    });
    const analyst = await signIn(patron, 'analyst@test.cn', 'analyst-password-1');
    const forbidden = await patron.http.inject({
      method: 'GET',
      url: `/api/v1/imports/${imp!.id}/errors?reveal=true`,
      headers: as(analyst),
    });
    expect([forbidden.statusCode, forbidden.json().error.code]).toEqual([403, 'PII_REVEAL_FORBIDDEN']);
    const undo = await patron.http.inject({ method: 'POST', url: `/api/v1/imports/${imp!.id}/undo`, headers: as(owner) });
    expect(undo.json()).toMatchObject({ orders: 1, customers: 1 });
    const notCsv = await patron.http.inject({
      method: 'POST',
      url: '/api/v1/imports/upload?kind=orders&fileName=x.csv',
      headers: { ...as(owner), 'content-type': 'text/csv' },
      payload: '',
    });
    expect(notCsv.statusCode).toBe(400);
  });
});
