import { describe, expect, it } from 'vitest';
import { OPT_OUT, parseCallback } from './callbacks.ts';

describe('SMS callbacks', () => {
  it('takes the opt-out words operators and customers use, alone in the reply', () => {
    for (const text of ['R', 'r', ' TD ', '退订', '退订。', 'STOP', 'unsubscribe', 'T', 'N', '取消'])
      expect(OPT_OUT.test(text), text).toBe(true);
    for (const text of ['Really?', '退订了吗', '好的', 'stop sending me ads please', '']) expect(OPT_OUT.test(text), text).toBe(false);
  });

  it('reads Aliyun receipts and replies, Tencent status and reply callbacks, and refuses what is not an array', () => {
    expect(
      parseCallback('aliyun', [
        { success: false, err_code: 'MK:0001', out_id: '7', biz_id: 'b', phone_number: '13800000001' },
        { phone_number: '13800000000', content: 'TD' },
        'junk',
      ]),
    ).toEqual({
      receipts: [{ ref: { outId: '7', serial: 'b', phone: '13800000001' }, delivered: false, code: 'MK:0001' }],
      replies: [{ phone: '13800000000', text: 'TD', at: '' }],
    });
    expect(
      parseCallback('tencent', [
        { report_status: 'FAIL', errmsg: 'UNDELIV', sid: 's1' },
        { mobile: '13800000000', nationcode: '86', text: '退订' },
      ]),
    ).toEqual({
      receipts: [{ ref: { serial: 's1' }, delivered: false, code: 'UNDELIV' }],
      replies: [{ phone: '+8613800000000', text: '退订', at: '' }],
    });
    expect(parseCallback('aliyun', { a: 1 })).toBeNull();
  });
});
