import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';

export const messageChannel = z.enum(['email', 'sms']);
export const messagePurpose = z.enum(['transactional', 'marketing']);
export const messageStatuses = ['queued', 'held', 'sending', 'sent', 'delivered', 'bounced', 'failed', 'unknown', 'skipped'] as const;
/** Why a message was not sent (`skipped`), or why it waits (`rescheduled`). */
export const skipReasons = [
  'no_consent',
  'suppressed',
  'no_contact',
  'cap',
  'erased',
  'template_missing',
  'render_failed',
  'cancelled',
] as const;

/** A text in every language the admin speaks; a message is written in the customer's language, else the store's. */
const localizedText = (max: number) => z.strictObject({ 'zh-CN': z.string().max(max), en: z.string().max(max) });

const templateKey = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,79}$/, 'lower-case letters, digits, dots, dashes, underscores');

export const templateBody = z.strictObject({
  key: templateKey,
  name: z.string().trim().min(1).max(100),
  channel: messageChannel,
  purpose: messagePurpose,
  subject: localizedText(200).optional().describe('E-mail subject (LiquidJS)'),
  preheader: localizedText(200).optional().describe('E-mail preview text (LiquidJS)'),
  body: localizedText(50_000).describe('E-mail HTML or SMS text (LiquidJS)'),
  quietHours: z.boolean().default(true).describe('Keep quiet hours (always for marketing)'),
  providerTemplate: z
    .strictObject({
      code: z.string().min(1).max(50).describe("The SMS provider's approved template (Aliyun TemplateCode, Tencent TemplateId)"),
      params: z
        .record(z.string().min(1).max(30), z.string().max(500))
        .default({})
        .describe('Each template parameter as LiquidJS, in the order the provider numbers them'),
    })
    .optional(),
});
export type TemplateBody = z.infer<typeof templateBody>;
export const templateView = templateBody.extend({ id: z.number().int(), updatedAt: z.string() });
export const templateList = z.object({ items: z.array(templateView) });
export const templateKeyParams = z.strictObject({ key: templateKey });

export const previewBody = z.strictObject({
  template: templateBody,
  customerId: z.number().int().positive().optional().describe('Render against this customer (else sample values)'),
  language: z.enum(['zh-CN', 'en']).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  reveal: z.boolean().optional().describe("Show the customer's address unmasked (needs pii.read; audited)"),
});
export const testSendBody = previewBody.omit({ reveal: true }).extend({
  to: z.string().min(3).max(320).describe('A staff e-mail address (e-mail templates) or mobile number (SMS templates)'),
});
export const testSendResult = z.object({
  messageId: z.number().int(),
  provider: z.string(),
  status: z.enum(['sent', 'failed']),
  providerMessageId: z.string().nullable(),
  error: z.string().nullable(),
});
export const renderedMessage = z.object({
  to: z.string().nullable(),
  subject: z.string().nullable(),
  preheader: z.string().nullable(),
  html: z.string().nullable(),
  text: z.string(),
  /** SMS: characters counted as the operators do, parts and the encoding. */
  sms: z.object({ characters: z.number().int(), parts: z.number().int(), encoding: z.enum(['gsm7', 'ucs2']) }).nullable(),
  /** SMS through an operator-approved template: its code and the parameters rendered for this person. */
  providerTemplate: z.object({ code: z.string(), params: z.record(z.string(), z.string()) }).nullable(),
  /** E-mail: the links as written, in the order the tracked links (/l/…) number them. */
  links: z.array(z.string()).optional(),
  /** E-mail: threading headers of a reply (In-Reply-To, References, Reply-To), from the message's `email_thread`. */
  headers: z.record(z.string(), z.string()).optional(),
});
export type RenderedMessage = z.infer<typeof renderedMessage>;

/** A transactional message from the store's own systems; the key makes it idempotent. */
export const sendMessageBody = z.strictObject({
  key: z.string().min(1).max(200),
  customerId: z.number().int().positive(),
  template: templateKey,
  variables: z.record(z.string(), z.unknown()).default({}),
  sendAt: z.iso.datetime({ offset: true }).optional(),
});
export const sendMessageResult = z.object({ messageId: z.number().int(), created: z.boolean() });

export const messageView = z.object({
  id: z.number().int(),
  key: z.string(),
  customerId: z.number().int().nullable(),
  channel: messageChannel,
  purpose: messagePurpose,
  template: z.string(),
  status: z.enum(messageStatuses),
  skipReason: z.string().nullable(),
  notBefore: z.string(),
  rescheduledFrom: z.string().nullable(),
  attempts: z.number().int(),
  provider: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  rendered: renderedMessage.nullable().describe('What the recipient got (masked unless revealed)'),
});
export const messageQuery = z.strictObject({
  ...pageQuery,
  customerId: z.coerce.number().int().positive().optional(),
  status: z.enum(messageStatuses).optional(),
  provider: z.string().max(50).optional().describe('"sandbox" for the sandbox inbox'),
  reveal: z.enum(['true', 'false']).default('false'),
});
export const messagePage = pageOf(messageView);

/** Quiet hours (local time of the customer, else the store) and the budget of messages per person. */
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
export const messagingRules = z.strictObject({
  quietHours: z.strictObject({ start: clock, end: clock }),
  extraQuiet: z
    .array(z.strictObject({ start: clock, end: clock }))
    .max(10)
    .describe('More windows with no messages (rest, commuting)'),
  caps: z.strictObject({ marketing: z.strictObject({ day: z.number().int().min(0).max(100), week: z.number().int().min(0).max(700) }) }),
  smsSignature: z.string().max(20).describe('The 【签名】 every SMS starts with'),
  marketingSmsSuffix: z.string().max(20).describe('Appended to every marketing SMS (拒收请回复R)'),
  emailFrom: z.string().max(200),
});
export type MessagingRules = z.infer<typeof messagingRules>;

export const suppressionBody = z.strictObject({
  channel: messageChannel,
  address: z.string().min(3).max(320),
  reason: z.string().max(200).default('manual'),
});
export const suppressionList = z.object({
  items: z.array(z.object({ channel: messageChannel, address: z.string(), reason: z.string(), source: z.string(), createdAt: z.string() })),
});
