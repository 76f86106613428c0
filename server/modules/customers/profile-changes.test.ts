import { describe, expect, it } from 'vitest';
import { effectiveChanges } from './profile-changes.ts';

describe('what a write may change on an existing person', () => {
  const current = {
    name: '张三',
    gender: 'unknown',
    birthday: null,
    email_enc: 'v1.k.iv1.ct1.tag',
    email_bidx: 'B1',
    phone_enc: null,
    phone_bidx: null,
  };

  it('fills only empty fields (an unknown gender is empty), keeping the before-image of what it sets', () => {
    const set = {
      name: '张三丰',
      gender: 'male',
      birthday: '1990-01-01',
      email_enc: 'v1.k.iv2.ct2.tag',
      email_bidx: 'B2',
      phone_enc: 'v1.k.iv3.ct3.tag',
      phone_bidx: 'P1',
    };
    expect(effectiveChanges(set, current, 'fill')).toEqual({
      apply: { gender: 'male', birthday: '1990-01-01', phone_enc: 'v1.k.iv3.ct3.tag', phone_bidx: 'P1' },
      before: { gender: 'unknown', birthday: null, phone_enc: null, phone_bidx: null },
    });
  });

  it('overwrites when told, but an e-mail that is the same (same blind index, new ciphertext) is no change', () => {
    const set = { name: '张三丰', email_enc: 'v1.k.iv9.ct1.tag', email_bidx: 'B1' };
    expect(effectiveChanges(set, current, 'overwrite')).toEqual({ apply: { name: '张三丰' }, before: { name: '张三' } });
  });
});
