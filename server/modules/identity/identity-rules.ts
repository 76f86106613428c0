import type { z } from 'zod';
import type { identityRules } from '../../../contracts/customers.ts';
import type { Db, IdentityKind } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { readSetting, writeSetting } from '../system/index.ts';

/**
 * Which identifiers link incoming data to an existing person. Platform external ids and anonymous ids
 * always do; a shop whose customers share phones (family members) or e-mails can turn those off: a record
 * with a platform id not seen before then becomes a separate person even when its phone or e-mail is
 * known, and the duplicate review suggests the pair. A record with no platform id still goes to the
 * phone's or e-mail's holder (nothing else tells people apart).
 */
export type IdentityRules = z.infer<typeof identityRules>;

const KEY = 'identity_rules';
export const DEFAULT_RULES: IdentityRules = { linkByPhone: true, linkByEmail: true };

export const getIdentityRules = (db: Db): Promise<IdentityRules> => readSetting(db, KEY, DEFAULT_RULES);

export const setIdentityRules = (db: Db, rules: IdentityRules, actor: Actor) =>
  writeSetting(db, { key: KEY, value: rules, fallback: DEFAULT_RULES, actor });

export function links(rules: IdentityRules, kind: IdentityKind): boolean {
  if (kind === 'phone') return rules.linkByPhone;
  if (kind === 'email') return rules.linkByEmail;
  return true;
}
