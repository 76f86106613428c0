import { describe, expect, it } from 'vitest';
import { reasonIn } from './reasons.ts';

describe('rejected-row reasons in Chinese', () => {
  it('says every reason an import writes in Chinese, with the value it read', () => {
    const reasons = [
      'placed_at: not a date in the expected format (13/45/2010 8:34)',
      'birthday: not a date (1995-02-30)',
      'quantity: not a number (abc)',
      'status: unknown value 神秘',
      'no buyer: map customer_external_id, phone or email',
      'no identifier: map external_id, phone or email',
      'no person: map customer_external_id, phone, email or anonymous_id',
      'sku is empty',
      'sku and product_name are both empty',
      'order_id is empty',
      'event is empty',
      'event: longer than 200 characters',
      'properties: not valid JSON',
      'properties: not a JSON object',
      'neither items (sku or product_name) nor a total',
      'a return needs the returned items (sku or product_name)',
      'phone: not a valid phone number; email: not a valid e-mail address',
      'email: erased at the person’s request',
      'could not be stored: value out of range',
    ];
    for (const r of reasons) expect(reasonIn('zh-CN', r), r).not.toMatch(/\b(not|map|empty|unknown|could|neither|needs)\b/);
    expect(reasonIn('zh-CN', 'placed_at: not a date in the expected format (13/45/2010 8:34)')).toBe(
      '下单时间：日期与所选格式不符（13/45/2010 8:34）',
    );
    expect(reasonIn('zh-CN', 'phone: not a valid phone number (row imported without it)')).toBe(
      '手机号：不是有效的手机号码（该行已导入，但不含此值）',
    );
    expect(reasonIn('en', 'sku is empty')).toBe('sku is empty');
  });
});
