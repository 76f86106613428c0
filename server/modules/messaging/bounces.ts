import { simpleParser } from 'mailparser';
import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { normalizeEmail } from '../customers/index.ts';
import { optOut } from './opt-out.ts';
import { addSuppression } from './suppressions.service.ts';

/**
 * What a returned e-mail says about one recipient: a delivery status notification (RFC 3464: `hard` for a permanent
 * 5.x.x failure, `soft` for a 4.x.x one the sending server gave up on, `delayed` while it still tries) or a complaint
 * (an ARF feedback report, RFC 5965). `messageId` is the outbox row, read from the returned headers' Message-ID.
 */
export type Bounce = {
  kind: 'hard' | 'soft' | 'delayed' | 'complaint';
  recipient: string | null;
  status: string | null;
  diagnostic: string | null;
  messageId: number | null;
};

/** The header-style fields of a DSN or feedback-report block (folded lines joined), keys lower-case. */
function fieldsOf(block: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | null = null;
  for (const line of block.split(/\r?\n/)) {
    if (/^\s/.test(line) && last) out.set(last, `${out.get(last)} ${line.trim()}`);
    else {
      const m = /^([\w-]+):\s*(.*)$/.exec(line);
      if (m) {
        last = m[1].toLowerCase();
        out.set(last, m[2].trim());
      }
    }
  }
  return out;
}

/** `rfc822; someone@example.com` → the address. */
const addressOf = (v: string | undefined) => (v ? normalizeEmail(v.replace(/^[\w-]+\s*;\s*/, '').replace(/^<|>$/g, '')) : null);

const PATRON_ID = /Message-ID:\s*<patron-(\d+)@/i;

/** Reads a returned message (raw RFC 5322). Anything that is neither a DSN nor a feedback report gives no bounces. */
export async function parseBounce(raw: Buffer | string): Promise<Bounce[]> {
  const mail = await simpleParser(raw, { keepDeliveryStatus: true });
  const parts = mail.attachments.map((a) => ({ type: a.contentType.toLowerCase(), text: a.content.toString('utf8') }));
  const returned = parts.find((p) => p.type === 'text/rfc822-headers' || p.type === 'message/rfc822')?.text ?? '';
  const ref = PATRON_ID.exec(returned) ?? PATRON_ID.exec(String(mail.text ?? ''));
  const messageId = ref ? Number(ref[1]) : null;
  const out: Bounce[] = [];
  const dsn = parts.find((p) => p.type === 'message/delivery-status');
  if (dsn) {
    for (const block of dsn.text.split(/\r?\n\s*\r?\n/).slice(1)) {
      const f = fieldsOf(block);
      const action = f.get('action')?.toLowerCase();
      const status = f.get('status') ?? null;
      if (action !== 'failed' && action !== 'delayed') continue;
      out.push({
        kind: action === 'delayed' ? 'delayed' : status?.startsWith('5') ? 'hard' : 'soft',
        recipient: addressOf(f.get('final-recipient') ?? f.get('original-recipient')),
        status,
        diagnostic: f.get('diagnostic-code')?.slice(0, 500) ?? null,
        messageId,
      });
    }
  }
  const feedback = parts.find((p) => p.type === 'message/feedback-report');
  if (feedback) {
    const f = fieldsOf(feedback.text);
    const to = /^To:\s*(.+)$/im.exec(returned)?.[1];
    out.push({
      kind: 'complaint',
      recipient: addressOf(f.get('original-rcpt-to') ?? to),
      status: null,
      diagnostic: `feedback report: ${f.get('feedback-type') ?? 'abuse'}`,
      messageId,
    });
  }
  return out;
}

/**
 * Applies what returned mail says: a hard or soft bounce marks its message bounced (a receipt settles an `unknown`
 * too); a hard bounce suppresses the address at once; a complaint suppresses it and withdraws the marketing e-mail
 * consent of everyone holding it, with the report as evidence. Delays change nothing.
 */
export async function applyBounces(db: Db, keyring: Keyring, bounces: readonly Bounce[], source: string, now: Date) {
  let applied = 0;
  for (const b of bounces) {
    if (b.kind === 'delayed') continue;
    if (b.messageId !== null && b.kind !== 'complaint')
      await sql`update messages set status = 'bounced', error = ${[b.status, b.diagnostic].filter(Boolean).join(' ') || 'bounced'},
          updated_at = ${now}
        where id = ${b.messageId} and channel = 'email' and status in ('sending', 'sent', 'unknown', 'delivered')`.execute(db);
    if (!b.recipient) continue;
    const actor = { type: 'system' as const, id: null, label: source, ip: null };
    if (b.kind === 'hard')
      await addSuppression(db, keyring, {
        channel: 'email',
        address: b.recipient,
        reason: `bounce ${b.status ?? ''}`.trim(),
        source,
        actor,
      });
    if (b.kind === 'complaint')
      await optOut(db, keyring, {
        channel: 'email',
        address: b.recipient,
        reason: 'complaint',
        source,
        evidence: `${b.diagnostic} at ${now.toISOString()}`,
        properties: { complaint: true },
        now,
      });
    applied++;
  }
  return applied;
}
