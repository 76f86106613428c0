import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import { emit, emitWhenWanted } from '../../events/index.ts';
import { type Keyring, blindIndex, constantTimeEqual, encryptField } from '../../platform/crypto.ts';
import { sha256 } from '../../platform/ids.ts';
import { normalizePhone, phoneIndex } from '../customers/index.ts';
import { optOut } from './opt-out.ts';
import { batchMemberId } from './sms-providers.ts';

export type SmsProviderKind = 'aliyun' | 'tencent' | 'http';

/** The secret part of a provider's callback URL (the providers sign nothing; the URL is the credential). */
export const callbackToken = (keyring: Keyring, provider: SmsProviderKind) => blindIndex(keyring, 'sms-callback', provider).slice(0, 32);
export const callbackTokenValid = (keyring: Keyring, provider: SmsProviderKind, token: string) =>
  constantTimeEqual(token, callbackToken(keyring, provider));

/** A reply that opts out: R, TD, T, N, 退订, 取消, STOP, UNSUBSCRIBE (any case, alone in the message). */
export const OPT_OUT = /^\s*(r|td|t|n|退订|退|取消|stop|unsubscribe)\s*[。.!！]?\s*$/i;

type Receipt = { ref: { outId?: string; serial?: string; phone?: string }; delivered: boolean; code: string };
/** An SMS reply: the sender, the text, and the provider's time or id of it (what makes a re-pushed reply the same). */
type Reply = { phone: string; text: string; at: string };

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** Reads a provider's push (an array of delivery receipts or of replies) into one shape; unknown items are left out. */
export function parseCallback(provider: SmsProviderKind, body: unknown): { receipts: Receipt[]; replies: Reply[] } | null {
  if (!Array.isArray(body)) return null;
  const receipts: Receipt[] = [];
  const replies: Reply[] = [];
  for (const raw of body) {
    if (!raw || typeof raw !== 'object') continue;
    const item = raw as Record<string, unknown>;
    if (provider === 'aliyun') {
      if ('success' in item || 'err_code' in item)
        receipts.push({
          ref: { outId: str(item.out_id), serial: str(item.biz_id), phone: str(item.phone_number) },
          delivered: item.success === true || item.success === 'true',
          code: str(item.err_code),
        });
      else if ('content' in item && 'phone_number' in item)
        replies.push({ phone: str(item.phone_number), text: str(item.content), at: str(item.send_time) });
    } else if (provider === 'http') {
      // Patron's own gateway format: receipts { id, status: delivered | failed, error? }, replies { from, text }.
      if ('status' in item && 'id' in item)
        receipts.push({ ref: { outId: str(item.id) }, delivered: item.status === 'delivered', code: str(item.error) });
      else if ('from' in item && 'text' in item) replies.push({ phone: str(item.from), text: str(item.text), at: str(item.id ?? item.at) });
    } else if ('report_status' in item) {
      receipts.push({ ref: { serial: str(item.sid) }, delivered: item.report_status === 'SUCCESS', code: str(item.errmsg) });
    } else if ('text' in item && 'mobile' in item) {
      replies.push({ phone: `+${str(item.nationcode) || '86'}${str(item.mobile)}`, text: str(item.text), at: str(item.time) });
    }
  }
  return { receipts, replies };
}

/**
 * Applies a provider's push: receipts move sent (or unknown: the receipt settles what a crash left open) messages to
 * delivered or bounced; an opt-out reply suppresses the number at once and withdraws the SMS marketing consent of
 * everyone holding it, with the reply as evidence; any other reply is a `message.replied` event (the service desk makes
 * it a conversation), once per provider, number, text and the provider's time of it.
 */
export async function applyCallback(
  db: Db,
  keyring: Keyring,
  provider: SmsProviderKind,
  parsed: { receipts: Receipt[]; replies: Reply[] },
  now: Date,
) {
  let receipts = 0;
  for (const r of parsed.receipts) {
    const id = /^\d+$/.test(r.ref.outId ?? '') ? Number(r.ref.outId) : null;
    // A message sent alone is named by its id (OutId) or serial; one sent in an Aliyun batch by the batch and its number.
    const serials = [r.ref.serial ?? ''];
    if (r.ref.serial && r.ref.phone) serials.push(batchMemberId(keyring, r.ref.serial, r.ref.phone));
    const match = id !== null ? sql`id = ${id}` : sql`provider_message_id = any(${serials}::text[])`;
    const res = await sql<{ id: number; customer_id: number | null; channel: string; template_key: string | null; source: string }>`
      update messages set status = ${r.delivered ? 'delivered' : 'bounced'}, error = ${r.delivered ? null : r.code || 'undelivered'},
        sent_at = coalesce(sent_at, ${now}), updated_at = ${now}
      where ${match} and provider = ${provider} and status in ('sending', 'sent', 'unknown')
      returning id, customer_id, channel, template_key, source`.execute(db);
    receipts += res.rows.length;
    if (r.delivered)
      for (const m of res.rows)
        await emitWhenWanted(db, {
          key: `message:${m.id}:delivered`,
          type: 'message.delivered',
          customerId: m.customer_id === null ? null : Number(m.customer_id),
          occurredAt: now,
          payload: { messageId: Number(m.id), channel: m.channel, template: m.template_key, source: m.source },
        });
  }
  let optOuts = 0;
  for (const reply of parsed.replies.filter((x) => OPT_OUT.test(x.text))) {
    const phone = normalizePhone(reply.phone);
    if (!phone) continue;
    await optOut(db, keyring, {
      channel: 'sms',
      address: phone,
      reason: `reply ${reply.text.trim()}`,
      source: `${provider} SMS reply`,
      evidence: `replied "${reply.text.trim()}" at ${now.toISOString()}`,
      properties: { reply: reply.text.trim() },
      now,
    });
    optOuts++;
  }
  let conversations = 0;
  for (const reply of parsed.replies.filter((x) => !OPT_OUT.test(x.text) && x.text.trim())) {
    const phone = normalizePhone(reply.phone);
    if (!phone) continue;
    const holder = await db
      .selectFrom('customers')
      .select('id')
      .where('phone_bidx', '=', phoneIndex(keyring, phone))
      .where('merged_into', 'is', null)
      .orderBy('id')
      .executeTakeFirst();
    const text = reply.text.trim().slice(0, 5000);
    await emit(db, {
      type: 'message.replied',
      key: `sms-reply:${provider}:${sha256(`${phone}\u0000${text}\u0000${reply.at}`)}`,
      customerId: holder ? Number(holder.id) : null,
      payload: { channel: 'sms', provider, fromEnc: encryptField(keyring, phone), textEnc: encryptField(keyring, text) },
      occurredAt: now,
    });
    conversations++;
  }
  return { receipts, optOuts, conversations };
}
