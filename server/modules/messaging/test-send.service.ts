import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.ts';
import { encryptField } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { maskEmail, maskPhone } from '../../platform/mask.ts';
import { recordAudit } from '../audit/index.ts';
import { normalizeEmail, normalizePhone } from '../customers/index.ts';
import { type PreviewOptions, previewTemplate } from './preview.service.ts';
import { envelopeOf, providersOf } from './sender.ts';
import { messagingRulesOf } from './settings.ts';

export const testSendErrors = {
  address: (channel: 'email' | 'sms') =>
    new AppError('TEST_ADDRESS_INVALID', 'invalid', channel === 'email' ? 'Give a valid e-mail address.' : 'Give a valid mobile number.', {
      channel,
    }),
};

/**
 * Sends a template once to a staff address or number, now, through the provider customers would get it from (the
 * sandbox when none is configured). It is an outbox row like any other — no customer, key `test:…`, source the
 * person who asked — so it shows in the sandbox inbox and its receipts land on it; consent, quiet hours and caps do
 * not apply to staff. Rendered as the chosen customer (a reveal of their data: pii.read, audited) or the sample.
 */
export async function testSend(ctx: AppContext, o: PreviewOptions & { to: string }) {
  const channel = o.template.channel;
  const address = channel === 'email' ? normalizeEmail(o.to) : normalizePhone(o.to);
  if (!address) throw testSendErrors.address(channel);
  const rendered = { ...(await previewTemplate(ctx, { ...o, reveal: true, via: 'message_test_send' })), to: address };
  const now = ctx.clock.now();
  const { id } = await ctx.db
    .insertInto('messages')
    .values({
      key: `test:${randomUUID()}`,
      customer_id: null,
      channel,
      purpose: o.template.purpose,
      template_key: o.template.key,
      variables: JSON.stringify(o.variables ?? {}),
      language: o.language ?? null,
      status: 'sending',
      handed_at: now,
      rendered_enc: encryptField(ctx.keyring, JSON.stringify(rendered)),
      source: `test:${o.actor.label}`.slice(0, 200),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const [providers, rules] = await Promise.all([providersOf(ctx), messagingRulesOf(ctx.db)]);
  const provider = providers[channel];
  let outcome: { status: 'sent' | 'failed'; providerMessageId: string | null; error: string | null };
  try {
    const sent = await provider.send({
      id,
      channel,
      purpose: o.template.purpose,
      rendered,
      headers: {},
      ...envelopeOf(rules.emailFrom, id),
    });
    outcome = { status: 'sent', providerMessageId: sent.providerMessageId, error: null };
  } catch (err) {
    outcome = { status: 'failed', providerMessageId: null, error: (err as Error).message.slice(0, 1000) };
  }
  await ctx.db
    .updateTable('messages')
    .set({
      status: outcome.status,
      provider: provider.name,
      provider_message_id: outcome.providerMessageId,
      error: outcome.error,
      sent_at: outcome.status === 'sent' ? now : null,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  await recordAudit(ctx.db, {
    actor: o.actor,
    action: 'message.test_send',
    target: { type: 'message', id },
    details: { template: o.template.key, to: channel === 'email' ? maskEmail(address) : maskPhone(address), status: outcome.status },
  });
  return { messageId: Number(id), provider: provider.name, ...outcome };
}
