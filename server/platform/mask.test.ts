import { describe, expect, it } from 'vitest';
import { maskAddress, maskContactsInText, maskEmail, maskIdNumber, maskPhone } from './mask.ts';

describe('masking', () => {
  it('masks phones keeping the first three and last four digits', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+8613812345678')).toBe('+86 138****5678');
    expect(maskPhone('+14155552671')).toBe('+141****2671');
    expect(maskPhone('12345')).toBe('****');
  });

  it('masks emails keeping the first letter and the domain', () => {
    expect(maskEmail('zhang@example.com')).toBe('z***@example.com');
    expect(maskEmail('not-an-email')).toBe('****');
  });

  it('masks addresses after the province/city/district', () => {
    expect(maskAddress('上海市浦东新区张江路123号')).toBe('上海市浦东新区****');
    expect(maskAddress('广东省深圳市南山区科技园南区8栋')).toBe('广东省深圳市南山区****');
    expect(maskAddress('浙江省杭州市西湖区文三路')).toBe('浙江省杭州市西湖区****');
    expect(maskAddress('123 Main Street, Springfield')).toBe('123 ****');
  });

  it('masks ID numbers keeping two characters at each end', () => {
    expect(maskIdNumber('110101199003071234')).toBe('11**************34');
    expect(maskIdNumber('123')).toBe('****');
  });
});

describe('maskContactsInText', () => {
  it('masks the phone numbers and e-mail addresses in free text and nothing else', () => {
    expect(
      maskContactsInText('尺码不合适，请联系13812345678或 138-1234-5678，邮箱 zhang.wei@example.com。订单 TB20261203000123，退 ¥199.00'),
    ).toBe('尺码不合适，请联系138****5678或 138****5678，邮箱 z***@example.com。订单 TB20261203000123，退 ¥199.00');
    expect(maskContactsInText('call +86 13812345678 or +14155550123; tracking SF1234567890123')).toBe(
      'call +86 138****5678 or +141****0123; tracking SF1234567890123',
    );
    expect(maskContactsInText('订单号 202612031381234567890')).toBe('订单号 202612031381234567890');
  });
});
