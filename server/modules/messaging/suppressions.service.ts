import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { type Keyring, decryptField, encryptField } from '../../platform/crypto.ts';
import { maskEmail, maskPhone } from '../../platform/mask.ts';
import { recordAudit } from '../audit/index.ts';
import { emailIndex, normalizeEmail, normalizePhone, phoneIndex } from '../customers/index.ts';
import { AppError } from '../../platform/errors.ts';

export const suppressionErrors = {
  invalidAddress: (channel: string) =>
    new AppError(
      'SUPPRESSION_ADDRESS_INVALID',
      'invalid',
      `That is not a valid ${channel === 'email' ? 'e-mail address' : 'phone number'}.`,
    ),
};

/** The address as the profile stores it (normalised), and its blind index: what a recipient's address is matched by. */
function keyOf(keyring: Keyring, channel: 'email' | 'sms', address: string): { plain: string; bidx: string } {
  const plain = channel === 'email' ? normalizeEmail(address) : normalizePhone(address);
  if (!plain || typeof plain !== 'string') throw suppressionErrors.invalidAddress(channel);
  return { plain, bidx: channel === 'email' ? emailIndex(keyring, plain) : phoneIndex(keyring, plain) };
}

/** Stops every message to an address on a channel (a bounce, a complaint, a STOP reply, or by hand; audited). */
export async function addSuppression(
  db: Db,
  keyring: Keyring,
  s: { channel: 'email' | 'sms'; address: string; reason: string; source: string; actor: Actor },
) {
  const { plain, bidx } = keyOf(keyring, s.channel, s.address);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('suppressions')
      .values({ channel: s.channel, address_bidx: bidx, address_enc: encryptField(keyring, plain), reason: s.reason, source: s.source })
      .onConflict((oc) => oc.columns(['channel', 'address_bidx']).doNothing())
      .execute();
    await recordAudit(trx, {
      actor: s.actor,
      action: 'messaging.suppress',
      target: { type: 'suppression', id: s.channel },
      details: { reason: s.reason, source: s.source },
    });
  });
}

export async function listSuppressions(db: Db, keyring: Keyring) {
  const rows = await db.selectFrom('suppressions').selectAll().orderBy('created_at', 'desc').limit(1000).execute();
  return rows.map((r) => {
    const plain = decryptField(keyring, r.address_enc);
    return {
      channel: r.channel,
      address: r.channel === 'email' ? maskEmail(plain) : maskPhone(plain),
      reason: r.reason,
      source: r.source,
      createdAt: r.created_at.toISOString(),
    };
  });
}

/** Lets an address be messaged again (the person asked, the bounce was temporary); audited. False when it was not suppressed. */
export async function removeSuppression(
  db: Db,
  keyring: Keyring,
  s: { channel: 'email' | 'sms'; address: string; actor: Actor },
): Promise<boolean> {
  const { bidx } = keyOf(keyring, s.channel, s.address);
  return db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('suppressions').where('channel', '=', s.channel).where('address_bidx', '=', bidx).executeTakeFirst();
    if (Number(gone.numDeletedRows) === 0) return false;
    await recordAudit(trx, { actor: s.actor, action: 'messaging.unsuppress', target: { type: 'suppression', id: s.channel } });
    return true;
  });
}
