import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const csv = '订单号,会员ID,下单时间,商品编码,商品名称,数量,单价\nN1,m1,2026-05-01 10:00:00,S1,面霜,1,99.00\nN1,m1,2026-05-01 10:00:00,S2,面膜,2,20.00\nN2,,2026-05-02 10:00:00,S1,面霜,1,99.00\n';
    const up = await patron.http.inject({ method: 'POST', url: '/api/v1/imports/upload?kind=orders&fileName=订单.csv', headers: { ...as(owner), 'content-type': 'text/csv' }, payload: csv });
    expect(up.statusCode).toBe(201);
    const upload = up.json();
    expect(upload.suggested).toMatchObject({ order_id: '订单号', customer_external_id: '会员ID', placed_at: '下单时间', sku: '商品编码', product_name: '商品名称', quantity: '数量', unit_price: '单价' });
    expect(upload.preview[0]).toEqual(['N1', 'm1', '2026-05-01 10:00:00', 'S1', '面霜', '1', '99.00']);
    const bad = await patron.http.inject({ method: 'POST', url: '/api/v1/imports', headers: as(owner), payload: { uploadId: upload.uploadId, kind: 'orders', mapping: { order_id: 'Nope' } } });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'IMPORT_MAPPING_INVALID']);
    const start = await patron.http.inject({ method: 'POST', url: '/api/v1/imports', headers: as(owner), payload: { uploadId: upload.uploadId, kind: 'orders', mapping: upload.suggested, channel: 'web_upload' } });
    expect(start.statusCode, start.body).toBe(202);
    let imp: { id: number; status: string; rows: number; created: number; failed: number } | undefined;
    for (let i = 0; i < 120 && imp?.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      imp = (await patron.http.inject({ method: 'GET', url: '/api/v1/imports', headers: as(owner) })).json().items.find((x: { uploadId: number | null; fileName: string }) => x.fileName.endsWith('.csv'));
    }
    expect(imp).toMatchObject({ status: 'completed', rows: 3, created: 2, failed: 1 });
    const errors = await patron.http.inject({ method: 'GET', url: `/api/v1/imports/${imp!.id}/errors`, headers: as(owner) });
    expect(errors.body).toContain('no buyer');
    const undo = await patron.http.inject({ method: 'POST', url: `/api/v1/imports/${imp!.id}/undo`, headers: as(owner) });
    expect(undo.json()).toMatchObject({ orders: 1, customers: 1 });
    const notCsv = await patron.http.inject({ method: 'POST', url: '/api/v1/imports/upload?kind=orders&fileName=x.csv', headers: { ...as(owner), 'content-type': 'text/csv' }, payload: '' });
    expect(notCsv.statusCode).toBe(400);
  });
});
