import { z } from 'zod';
import { okBody } from '../../../contracts/common.ts';
import {
  messagePage,
  messageQuery,
  messagingRules,
  previewBody,
  testSendBody,
  testSendResult,
  renderedMessage,
  sendMessageBody,
  sendMessageResult,
  suppressionBody,
  suppressionList,
  templateBody,
  templateKeyParams,
  templateList,
  templateView,
} from '../../../contracts/messaging.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { customerErrors, revealAsked } from '../customers/index.ts';
import { storeSettingsOf } from '../system/index.ts';
import { enqueueMessage, listMessages } from './outbox.service.ts';
import { callbackToken } from './callbacks.ts';
import { bounceToken } from './bounces.http.ts';
import { previewTemplate } from './preview.service.ts';
import { testSend } from './test-send.service.ts';
import {
  messagingRulesOf,
  presentSms,
  presentSmtp,
  saveMessagingRules,
  saveSmsSettings,
  saveSmtpSettings,
  smsSettingsOf,
  smtpSettingsOf,
} from './settings.ts';
import { addSuppression, listSuppressions, removeSuppression } from './suppressions.service.ts';
import { deleteTemplate, listTemplates, saveTemplate } from './templates.service.ts';

const smtpBody = z.union([
  z.strictObject({
    host: z.string().min(1).max(200),
    port: z.number().int().min(1).max(65535),
    secure: z.boolean().default(false),
    user: z.string().max(200).optional(),
    password: z.string().max(500).optional().describe('Stored encrypted; never returned'),
    pool: z.number().int().min(1).max(20).default(2),
    perSecond: z.number().int().min(1).max(10_000).optional(),
    dkim: z
      .strictObject({
        domainName: z.string().min(3).max(200),
        keySelector: z.string().min(1).max(63),
        privateKey: z.string().max(10_000).optional().describe('PEM; stored encrypted, never returned'),
      })
      .nullable()
      .optional(),
  }),
  z.null(),
]);
const smtpView = z.object({
  dkim: z.object({ domainName: z.string(), keySelector: z.string() }).nullable().optional(),
  configured: z.boolean(),
  host: z.string().optional(),
  port: z.number().optional(),
  secure: z.boolean().optional(),
  user: z.string().nullable().optional(),
  hasPassword: z.boolean().optional(),
  pool: z.number().optional(),
  perSecond: z.number().nullable().optional(),
  bounceUrl: z.string().describe('Where returned mail (bounces, complaints) is posted as raw message/rfc822'),
  bounceSmtpPort: z.number().nullable().describe('The port Patron receives returned mail on over SMTP (PATRON_BOUNCE_SMTP_PORT)'),
});

const smtpAnswer = async (ctx: AppContext) => ({
  ...presentSmtp(await smtpSettingsOf(ctx.db)),
  bounceUrl: `${ctx.config.publicUrl}/hooks/email/bounces/${bounceToken(ctx)}`,
  bounceSmtpPort: ctx.config.bounceSmtpPort ?? null,
});

const smsBody = z.union([
  z.strictObject({
    kind: z.enum(['aliyun', 'tencent', 'http']),
    accessKeyId: z.string().min(1).max(200),
    secret: z.string().min(1).max(500).optional().describe('Stored encrypted; never returned'),
    signName: z.string().min(1).max(30).describe('The approved signature (签名)'),
    endpoint: z.string().max(500).optional().describe("The API endpoint (default the provider's); http: the gateway's URL (required)"),
    sdkAppId: z.string().max(50).optional().describe('Tencent: SmsSdkAppId'),
    region: z.string().max(50).optional().describe('Tencent: region (default ap-guangzhou)'),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(128)
      .optional()
      .describe("Requests to the provider in flight at once (default 32); keep it within the account's rate limit"),
  }),
  z.null(),
]);
const smsView = z.object({
  configured: z.boolean(),
  kind: z.enum(['aliyun', 'tencent', 'http']).optional(),
  accessKeyId: z.string().optional(),
  signName: z.string().optional(),
  endpoint: z.string().nullable().optional(),
  sdkAppId: z.string().nullable().optional(),
  region: z.string().nullable().optional(),
  concurrency: z.number().optional(),
  hasSecret: z.boolean().optional(),
  callbackUrl: z.string().optional().describe("Enter in the provider's console for delivery receipts and replies"),
});

export const messagingRoutes = [
  defineRoute({
    method: 'GET',
    url: '/message-templates',
    access: 'marketing.read',
    tag: 'messaging',
    summary: 'Message templates (e-mail and SMS, zh-CN and en bodies)',
    response: templateList,
    handler: async ({ ctx }) => ({ items: await listTemplates(ctx.db) }),
  }),
  defineRoute({
    method: 'PUT',
    url: '/message-templates/:key',
    access: 'marketing.write',
    tag: 'messaging',
    summary: 'Create or replace a template; it must render in both languages against sample values (audited)',
    params: templateKeyParams,
    body: templateBody,
    response: templateView,
    handler: async ({ ctx, params, body, principal, ip }) => {
      if (body.key !== params.key)
        throw new AppError('TEMPLATE_INVALID', 'invalid', 'The key in the body differs from the one in the path.', {
          part: 'key',
          reason: 'mismatch',
        });
      const store = await storeSettingsOf(ctx);
      return saveTemplate(ctx.db, body, {
        actor: actorOf(principal, ip),
        timeZone: store.timeZone,
        currency: store.currency,
        now: ctx.clock.now(),
      });
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/message-templates/:key',
    access: 'marketing.write',
    tag: 'messaging',
    summary: 'Delete a template (queued messages of it are skipped when due)',
    params: templateKeyParams,
    response: okBody,
    handler: async ({ ctx, params, principal, ip }) => {
      await deleteTemplate(ctx.db, params.key, actorOf(principal, ip));
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/message-templates/preview',
    access: 'marketing.read',
    tag: 'messaging',
    summary: 'Render a template for a customer (or sample values), with the SMS length and parts',
    body: previewBody,
    response: renderedMessage,
    handler: async ({ ctx, body, principal, ip }) => {
      return previewTemplate(ctx, { ...body, reveal: revealAsked(principal, body.reveal), actor: actorOf(principal, ip) });
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/message-templates/test-send',
    access: 'marketing.write',
    tag: 'messaging',
    summary:
      'Send a template once, now, to a staff address or number through the configured provider (rendered as a chosen customer: pii.read, audited)',
    body: testSendBody,
    response: testSendResult,
    handler: async ({ ctx, body, principal, ip }) => {
      if (body.customerId && !principal!.permissions.has('pii.read')) throw customerErrors.revealForbidden();
      return testSend(ctx, { ...body, reveal: true, actor: actorOf(principal, ip) });
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/messages',
    access: 'marketing.write',
    tag: 'messaging',
    summary: 'Queue a message to a customer from a template; idempotent by key (consent, quiet hours and caps are checked when it is sent)',
    body: sendMessageBody,
    response: sendMessageResult,
    handler: async ({ ctx, body }) => {
      const exists = await ctx.db.selectFrom('customers').select('id').where('id', '=', body.customerId).executeTakeFirst();
      if (!exists) throw customerErrors.notFound(body.customerId);
      return ctx.db.transaction().execute((trx) =>
        enqueueMessage(trx, {
          key: body.key,
          customerId: body.customerId,
          template: body.template,
          variables: body.variables,
          sendAt: body.sendAt ? new Date(body.sendAt) : undefined,
          source: 'api',
        }),
      );
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/messages',
    access: 'marketing.read',
    tag: 'messaging',
    summary: 'Messages newest first, by customer, state or provider ("sandbox": the sandbox inbox); addresses masked unless reveal',
    query: messageQuery,
    response: messagePage,
    handler: ({ ctx, query, principal, ip }) => {
      return listMessages(ctx.db, ctx.keyring, { ...query, reveal: revealAsked(principal, query.reveal), actor: actorOf(principal, ip) });
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/settings/messaging',
    access: 'settings.read',
    tag: 'messaging',
    summary: 'Quiet hours, marketing caps, SMS signature and suffix, sender address',
    response: messagingRules,
    handler: ({ ctx }) => messagingRulesOf(ctx.db),
  }),
  defineRoute({
    method: 'PUT',
    url: '/settings/messaging',
    access: 'settings.manage',
    tag: 'messaging',
    summary: 'Change the messaging rules (audited)',
    body: messagingRules,
    response: messagingRules,
    handler: ({ ctx, body, principal, ip }) => saveMessagingRules(ctx.db, body, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'GET',
    url: '/settings/messaging/smtp',
    access: 'settings.read',
    tag: 'messaging',
    summary: 'The SMTP server e-mail goes through (none: the sandbox); the password is never returned',
    response: smtpView,
    handler: async ({ ctx }) => smtpAnswer(ctx),
  }),
  defineRoute({
    method: 'PUT',
    url: '/settings/messaging/smtp',
    access: 'settings.manage',
    tag: 'messaging',
    summary: 'Set the SMTP server (null: back to the sandbox); audited, the password stored encrypted',
    body: smtpBody,
    response: smtpView,
    handler: async ({ ctx, body, principal, ip }) => {
      await saveSmtpSettings(ctx.db, ctx.keyring, body, actorOf(principal, ip));
      return smtpAnswer(ctx);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/suppressions',
    access: 'marketing.read',
    tag: 'messaging',
    summary: 'Addresses never messaged again on a channel (masked)',
    response: suppressionList,
    handler: async ({ ctx }) => ({ items: await listSuppressions(ctx.db, ctx.keyring) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/suppressions',
    access: 'marketing.write',
    tag: 'messaging',
    summary: 'Suppress an address on a channel (audited)',
    body: suppressionBody,
    response: okBody,
    handler: async ({ ctx, body, principal, ip }) => {
      await addSuppression(ctx.db, ctx.keyring, { ...body, source: 'manual', actor: actorOf(principal, ip) });
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/settings/messaging/sms',
    access: 'settings.read',
    tag: 'messaging',
    summary: 'The SMS provider (Aliyun or Tencent Cloud; none: the sandbox); the secret is never returned',
    response: smsView,
    handler: async ({ ctx }) =>
      presentSms(await smsSettingsOf(ctx.db), (kind) => `${ctx.config.publicUrl}/hooks/sms/${kind}/${callbackToken(ctx.keyring, kind)}`),
  }),
  defineRoute({
    method: 'PUT',
    url: '/settings/messaging/sms',
    access: 'settings.manage',
    tag: 'messaging',
    summary: 'Set the SMS provider (null: back to the sandbox); audited, the secret stored encrypted',
    body: smsBody,
    response: smsView,
    handler: async ({ ctx, body, principal, ip }) => {
      await saveSmsSettings(ctx.db, ctx.keyring, body, actorOf(principal, ip));
      return presentSms(
        await smsSettingsOf(ctx.db),
        (kind) => `${ctx.config.publicUrl}/hooks/sms/${kind}/${callbackToken(ctx.keyring, kind)}`,
      );
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/suppressions/remove',
    access: 'marketing.write',
    tag: 'messaging',
    summary: 'Let a suppressed address be messaged again (audited); the address travels in the body, never in a logged path',
    body: suppressionBody.pick({ channel: true, address: true }),
    response: z.object({ removed: z.boolean() }),
    handler: async ({ ctx, body, principal, ip }) => ({
      removed: await removeSuppression(ctx.db, ctx.keyring, { ...body, actor: actorOf(principal, ip) }),
    }),
  }),
];
