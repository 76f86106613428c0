import { describe, expect, it } from 'vitest';
import { normalizeEmail, normalizeExternalId, normalizePhone } from './normalize.ts';
import { canonicalCity, canonicalProvince } from './regions.ts';

describe('cleansing', () => {
  it('canonicalises provinces from full names, short names, abbreviations and pinyin', () => {
    for (const raw of ['上海', '上海市', '沪', 'Shanghai', ' shanghai ']) expect(canonicalProvince(raw)).toBe('上海市');
    expect(canonicalProvince('广东')).toBe('广东省');
    expect(canonicalProvince('粤')).toBe('广东省');
    expect(canonicalProvince('内蒙古')).toBe('内蒙古自治区');
    expect(canonicalProvince('Guangxi')).toBe('广西壮族自治区');
    expect(canonicalProvince('Bavaria')).toBe('Bavaria');
    expect(canonicalProvince('  ')).toBeNull();
  });

  it('canonicalises cities', () => {
    expect(canonicalCity('深圳', '广东省')).toBe('深圳市');
    expect(canonicalCity('深圳市', '广东省')).toBe('深圳市');
    expect(canonicalCity('杭州', '浙江省')).toBe('杭州市');
    expect(canonicalCity('福州', null)).toBe('福州市');
    expect(canonicalCity('恩施州', '湖北省')).toBe('恩施州');
    expect(canonicalCity('上海', '上海市')).toBe('上海市');
    expect(canonicalCity('市辖区', '北京市')).toBe('北京市');
    expect(canonicalCity('甘孜藏族自治州', '四川省')).toBe('甘孜藏族自治州');
    expect(canonicalCity('Springfield', null)).toBe('Springfield');
  });

  it('normalises phones to E.164 (default region CN), e-mails to lower case, and spreadsheet ids', () => {
    expect(normalizePhone('138 1234 5678')).toBe('+8613812345678');
    expect(normalizePhone('+86-138-1234-5678')).toBe('+8613812345678');
    expect(normalizePhone('1********35')).toBeNull(); // a marketplace-masked number is not a phone
    expect(normalizePhone('12345')).toBeNull();
    expect(normalizeEmail(' Li.Na@Example.COM ')).toBe('li.na@example.com');
    expect(normalizeEmail('not-an-email')).toBeNull();
    expect(normalizeExternalId('17850.0')).toBe('17850');
    expect(normalizeExternalId(' ouid-1 ')).toBe('ouid-1');
  });
});
