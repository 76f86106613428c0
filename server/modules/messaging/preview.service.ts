import type { RenderedMessage, TemplateBody } from '../../../contracts/messaging.ts';
import type { Actor } from '../../http/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { recordAudit } from '../audit/index.ts';
import { customerErrors } from '../customers/index.ts';
import { storeSettingsOf } from '../system/index.ts';
import { maskRendered } from './outbox.service.ts';
import { recipientsOf } from './recipients.ts';
import { renderMessage } from './render.ts';
import { messagingRulesOf } from './settings.ts';
import { SAMPLE_SCOPE, presentTemplate, templateByKey } from './templates.service.ts';

export type PreviewOptions = {
  template: TemplateBody;
  customerId?: number;
  language?: 'zh-CN' | 'en';
  variables?: Record<string, unknown>;
  reveal: boolean;
  actor: Actor;
  /** What the reveal was for, in the audit log (default a preview). */
  via?: string;
};

/**
 * A template as a chosen customer (or the sample person) would get it, with the SMS length and parts. The person's
 * address is masked unless revealed (pii.read, checked by the route; audited here).
 */
export async function previewTemplate(ctx: AppContext, o: PreviewOptions): Promise<RenderedMessage> {
  const { rendered, personal } = await renderAs(ctx, o);
  if (o.customerId && o.reveal && (personal.email || personal.phone))
    await recordAudit(ctx.db, {
      actor: o.actor,
      action: 'customer.reveal_pii',
      target: { type: 'customer', id: o.customerId },
      details: { via: o.via ?? 'message_preview', template: o.template.key },
    });
  return o.reveal ? rendered : maskRendered(rendered, o.template.channel, personal);
}

/** The rendering itself, with the person's addresses (for masking). */
async function renderAs(ctx: AppContext, o: Omit<PreviewOptions, 'reveal' | 'actor'>) {
  const [store, rules] = await Promise.all([storeSettingsOf(ctx), messagingRulesOf(ctx.db)]);
  let scope: Record<string, unknown> = SAMPLE_SCOPE;
  let to: string | null = null;
  let personal: { email?: string | null; phone?: string | null } = {};
  let language = o.language;
  if (o.customerId) {
    const r = (await recipientsOf(ctx.db, ctx, [o.customerId])).get(o.customerId);
    if (!r || r.gone) throw customerErrors.notFound(o.customerId);
    scope = { ...SAMPLE_SCOPE, ...r.scope };
    to = o.template.channel === 'email' ? r.email : r.phone;
    personal = { email: r.email, phone: r.phone };
    language ??= r.language ?? undefined;
  }
  const rendered = await renderMessage(
    o.template,
    { ...scope, store: { name: store.name }, ...o.variables },
    {
      language: language ?? 'zh-CN',
      timeZone: store.timeZone,
      currency: store.currency,
      smsSignature: rules.smsSignature,
      marketingSmsSuffix: rules.marketingSmsSuffix,
      to,
    },
  );
  return { rendered, personal };
}

/** The parts an SMS template comes to for the sample person in Simplified Chinese (a send's cost estimate); 0 if none. */
export async function sampleSmsParts(ctx: AppContext, key: string): Promise<number> {
  const row = await templateByKey(ctx.db, key);
  if (!row || row.channel !== 'sms') return 0;
  const { rendered } = await renderAs(ctx, { template: presentTemplate(row) });
  return rendered.sms?.parts ?? 0;
}
