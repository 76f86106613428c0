import type { Db } from '../../db/index.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { emailIndex, phoneIndex } from '../customers/index.ts';
import { recordConsent } from '../privacy/index.ts';
import { addSuppression } from './suppressions.service.ts';
import { recordMessageEvents } from './timeline.ts';

/**
 * An address's holder said stop (an SMS reply R/TD/退订, a spam complaint): the address is suppressed at once and the
 * marketing consent of everyone holding it on that channel is withdrawn, with the evidence, and shows on their timeline.
 */
export async function optOut(
  db: Db,
  keyring: Keyring,
  o: {
    channel: 'email' | 'sms';
    /** Normalised (E.164 phone, lower-case e-mail). */
    address: string;
    reason: string;
    source: string;
    evidence: string;
    properties: Record<string, unknown>;
    now: Date;
  },
): Promise<void> {
  const actor = { type: 'system' as const, id: null, label: o.source, ip: null };
  await addSuppression(db, keyring, { channel: o.channel, address: o.address, reason: o.reason, source: o.source, actor });
  const holders = await db
    .selectFrom('customers')
    .select('id')
    .where(o.channel === 'email' ? 'email_bidx' : 'phone_bidx', '=', (o.channel === 'email' ? emailIndex : phoneIndex)(keyring, o.address))
    .where('merged_into', 'is', null)
    .execute();
  for (const h of holders) {
    await recordConsent(db, {
      customerId: Number(h.id),
      consent: { channel: o.channel, purpose: 'marketing', status: 'withdrawn', source: o.source, evidence: o.evidence },
      actor,
    });
    await recordMessageEvents(db, [
      {
        customerId: Number(h.id),
        kind: 'unsubscribed',
        messageId: null,
        properties: { channel: o.channel, ...o.properties },
        at: o.now,
        once: false,
      },
    ]);
  }
}
