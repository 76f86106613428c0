import juice from 'juice';
import { Liquid, type Template } from 'liquidjs';
import sanitizeHtml from 'sanitize-html';
import type { RenderedMessage } from '../../../contracts/messaging.ts';
import { AppError } from '../../platform/errors.ts';

export type Language = 'zh-CN' | 'en';
export type Localized = Record<Language, string>;
export type RenderTemplate = {
  channel: 'email' | 'sms';
  purpose: 'transactional' | 'marketing';
  subject?: Localized | null;
  preheader?: Localized | null;
  body: Localized;
  providerTemplate?: ProviderTemplate | null;
};
export type ProviderTemplate = { code: string; params: Record<string, string> };
export type RenderEnv = {
  language: Language;
  timeZone: string;
  currency: string;
  smsSignature: string;
  marketingSmsSuffix: string;
  to: string | null;
};

export const renderErrors = {
  invalid: (part: string, reason: string) =>
    new AppError('TEMPLATE_INVALID', 'invalid', `The template's ${part} cannot be rendered: ${reason}`, { part, reason }),
};

/** Templates never read files: an include or a layout finds nothing. */
const NO_FILES = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file: string): Promise<string> => {
    throw new Error(`templates cannot read files (${file})`);
  },
  readFileSync: (file: string): string => {
    throw new Error(`templates cannot read files (${file})`);
  },
  resolve: (_dir: string, file: string) => file,
};

const engines = new Map<string, Liquid>();

/** One engine per time zone, currency and language: dates print in the store's zone, money in the shop's currency. */
function engineFor(env: Pick<RenderEnv, 'timeZone' | 'currency' | 'language'>): Liquid {
  const id = `${env.timeZone}|${env.currency}|${env.language}`;
  let engine = engines.get(id);
  if (!engine) {
    engine = new Liquid({
      fs: NO_FILES,
      relativeReference: false,
      strictVariables: true,
      strictFilters: true,
      ownPropertyOnly: true,
      parseLimit: 100_000,
      renderLimit: 500,
      memoryLimit: 10_000_000,
      timezoneOffset: env.timeZone,
    });
    const money = new Intl.NumberFormat(env.language, { style: 'currency', currency: env.currency });
    // Amounts are stored in minor units (fen, cents): {{ order.total | money }} → ¥123.00
    engine.registerFilter('money', (minor: unknown, currency?: string) => {
      const n = Number(minor);
      if (!Number.isFinite(n)) return '';
      return (currency && currency !== env.currency ? new Intl.NumberFormat(env.language, { style: 'currency', currency }) : money).format(
        n / 100,
      );
    });
    engines.set(id, engine);
  }
  return engine;
}

/** Parsed texts per engine: a template sent to many people is parsed once (bounded: emptied when it grows large). */
const parsed = new WeakMap<Liquid, Map<string, Template[]>>();
const PARSED_MAX = 1000;

function parsedText(engine: Liquid, text: string): Template[] {
  let cache = parsed.get(engine);
  if (!cache) {
    cache = new Map();
    parsed.set(engine, cache);
  }
  let templates = cache.get(text);
  if (!templates) {
    templates = engine.parse(text);
    if (cache.size >= PARSED_MAX) cache.clear();
    cache.set(text, templates);
  }
  return templates;
}

async function renderPart(engine: Liquid, part: string, text: string, scope: Record<string, unknown>): Promise<string> {
  try {
    return await engine.render(parsedText(engine, text), scope);
  } catch (err) {
    throw renderErrors.invalid(part, (err as Error).message.split('\n')[0]);
  }
}

/** One LiquidJS text outside a template (a service macro's reply), with the same engine, filters and limits. */
export const renderText = (text: string, scope: Record<string, unknown>, env: Pick<RenderEnv, 'timeZone' | 'currency' | 'language'>) =>
  renderPart(engineFor(env), 'text', text, scope);

const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;

/** How an SMS is counted and billed: 160 GSM-7 characters (153 a part when split), or 70 UCS-2 (67 a part) — Chinese. */
export function smsParts(text: string): { characters: number; parts: number; encoding: 'gsm7' | 'ucs2' } {
  const gsm = GSM7.test(text);
  const characters = gsm ? [...text].reduce((n, c) => n + ('^{}\\[~]|€'.includes(c) ? 2 : 1), 0) : [...text].length;
  const [single, part] = gsm ? [160, 153] : [70, 67];
  return { characters, parts: characters <= single ? 1 : Math.ceil(characters / part), encoding: gsm ? 'gsm7' : 'ucs2' };
}

/** The text part of an e-mail from its HTML: block ends become line breaks, links keep their address. */
export function htmlToText(html: string): string {
  return sanitizeHtml(
    html.replace(/<a\s[^>]*href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/gi, '$2 ($1)').replace(/<(br|\/p|\/div|\/h[1-6]|\/li|\/tr)\s*\/?>/gi, '\n'),
    { allowedTags: [], allowedAttributes: {} },
  )
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const SAFE_HTML: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'style', 'center', 'font', 'span'],
  allowedAttributes: {
    '*': ['style', 'class', 'align', 'width', 'height', 'bgcolor', 'border', 'cellpadding', 'cellspacing'],
    a: ['href', 'name', 'target'],
    img: ['src', 'alt'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowVulnerableTags: true,
};

/**
 * Renders a template for one person: LiquidJS (no files, bounded time and memory, unknown variables and filters are
 * errors), then for e-mail the HTML sanitised with its CSS inlined and a text part; for SMS the 【signature】 in front
 * and, for marketing, the opt-out suffix that cannot be left out.
 */
export async function renderMessage(t: RenderTemplate, scope: Record<string, unknown>, env: RenderEnv): Promise<RenderedMessage> {
  const engine = engineFor(env);
  const pick = (l: Localized | null | undefined) => (l ? l[env.language] || l['zh-CN'] || l.en : null);
  const body = await renderPart(engine, 'body', pick(t.body) ?? '', scope);
  if (t.channel === 'sms') {
    const signed = `${env.smsSignature ? `【${env.smsSignature}】` : ''}${body.trim()}`;
    const text =
      t.purpose === 'marketing' && env.marketingSmsSuffix && !signed.endsWith(env.marketingSmsSuffix)
        ? `${signed} ${env.marketingSmsSuffix}`
        : signed;
    const params: Record<string, string> = {};
    for (const [name, expr] of Object.entries(t.providerTemplate?.params ?? {}))
      params[name] = (await renderPart(engine, `parameter ${name}`, expr, scope)).trim();
    const providerTemplate = t.providerTemplate ? { code: t.providerTemplate.code, params } : null;
    return { to: env.to, subject: null, preheader: null, html: null, text, sms: smsParts(text), providerTemplate };
  }
  const subjectText = pick(t.subject);
  const subject = subjectText ? (await renderPart(engine, 'subject', subjectText, scope)).trim() : '';
  const preheaderText = pick(t.preheader);
  const preheader = preheaderText ? (await renderPart(engine, 'preheader', preheaderText, scope)).trim() : null;
  const clean = sanitizeHtml(body, SAFE_HTML);
  // Only <style> blocks have CSS to inline: without one, juice (a full parse) would change nothing.
  const html = /<style[\s>]/i.test(clean) ? juice(clean) : clean;
  return { to: env.to, subject, preheader, html, text: htmlToText(html), sms: null, providerTemplate: null };
}
