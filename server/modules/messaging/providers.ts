import { type Transporter, createTransport } from 'nodemailer';
import type { RenderedMessage } from '../../../contracts/messaging.ts';
import { type Keyring, decryptField } from '../../platform/crypto.ts';

export type OutgoingMessage = {
  id: number;
  channel: 'email' | 'sms';
  purpose: 'transactional' | 'marketing';
  rendered: RenderedMessage;
  from: string;
  headers: Record<string, string>;
  messageId: string;
};

/** A provider refused the message for good (invalid address, template not approved): it is not retried. */
export class PermanentFailure extends Error {}

/** One small interface per channel's providers; the embedded default is the sandbox. */
export type Provider = {
  name: string;
  /** Messages handed to it at once by one worker: a crash leaves at most this many `unknown`. */
  parallel: number;
  send(m: OutgoingMessage): Promise<{ providerMessageId: string }>;
};

/** Delivered nowhere: the message, as rendered, is the sandbox inbox (Settings → Sandbox). */
export const sandboxProvider: Provider = { name: 'sandbox', parallel: 50, send: async (m) => ({ providerMessageId: `sandbox-${m.id}` }) };

/** SMTP settings as stored (the password encrypted with the keyring, never returned by the API). */
export type SmtpSettings = {
  host: string;
  port: number;
  secure: boolean;
  user: string | null;
  passwordEnc: string | null;
  pool: number;
  perSecond: number | null;
  /** DKIM signing of every message when set (the private key encrypted). */
  dkim?: { domainName: string; keySelector: string; privateKeyEnc: string } | null;
};

const transports = new Map<string, Transporter>();

/** E-mail over SMTP (nodemailer, pooled connections, optional rate limit); 5xx answers are permanent failures. */
export function smtpProvider(settings: SmtpSettings, keyring: Keyring): Provider {
  const id = JSON.stringify(settings);
  let transport = transports.get(id);
  if (!transport) {
    transport = createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      pool: true,
      maxConnections: settings.pool,
      ...(settings.perSecond ? { rateDelta: 1000, rateLimit: settings.perSecond } : {}),
      ...(settings.dkim
        ? {
            dkim: {
              domainName: settings.dkim.domainName,
              keySelector: settings.dkim.keySelector,
              privateKey: decryptField(keyring, settings.dkim.privateKeyEnc),
            },
          }
        : {}),
      ...(settings.user
        ? { auth: { user: settings.user, pass: settings.passwordEnc ? decryptField(keyring, settings.passwordEnc) : '' } }
        : {}),
      tls: { rejectUnauthorized: settings.host !== '127.0.0.1' && settings.host !== 'localhost' },
    });
    transports.set(id, transport);
  }
  const t = transport;
  return {
    name: 'smtp',
    // One message per pooled connection: more would wait in nodemailer's queue, handed over but not yet sent.
    parallel: settings.pool,
    send: async (m) => {
      try {
        const info = await t.sendMail({
          from: m.from,
          to: m.rendered.to ?? undefined,
          subject: m.rendered.subject ?? '',
          html: m.rendered.html ?? undefined,
          text: m.rendered.text,
          headers: m.headers,
          messageId: m.messageId,
        });
        return { providerMessageId: info.messageId };
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        if (code && code >= 500) throw new PermanentFailure((err as Error).message);
        throw err;
      }
    },
  };
}

/** Closes pooled SMTP connections (tests, shutdown). */
export function closeTransports(): void {
  for (const t of transports.values()) t.close();
  transports.clear();
}
