import type { RenderedMessage } from '../../../contracts/messaging.ts';
import { type Keyring, decryptField } from '../../platform/crypto.ts';
import { composeMime } from './mime.ts';
import { type SmtpError, SmtpPool } from './smtp-pool.ts';

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
  /**
   * Sends one message. `handedOver`, when given, settles once the outbox has recorded the message as handed over: the
   * provider may prepare the message meanwhile (SMTP: the envelope and the data) but must not let it be accepted before
   * (SMTP: the final dot), and must not send it at all if it rejects.
   */
  send(m: OutgoingMessage, handedOver?: Promise<void>): Promise<{ providerMessageId: string }>;
};

/** Delivered nowhere: the message, as rendered, is the sandbox inbox (Settings → Sandbox). */
export const sandboxProvider: Provider = {
  name: 'sandbox',
  parallel: 50,
  send: async (m, handedOver) => {
    await handedOver;
    return { providerMessageId: `sandbox-${m.id}` };
  },
};

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

const pools = new Map<string, SmtpPool>();

function poolFor(settings: SmtpSettings, keyring: Keyring): SmtpPool {
  const id = JSON.stringify(settings);
  let pool = pools.get(id);
  if (!pool) {
    pool = new SmtpPool({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      auth: settings.user ? { user: settings.user, pass: settings.passwordEnc ? decryptField(keyring, settings.passwordEnc) : '' } : null,
      connections: settings.pool,
      perSecond: settings.perSecond,
      dkim: settings.dkim
        ? {
            domainName: settings.dkim.domainName,
            keySelector: settings.dkim.keySelector,
            privateKey: decryptField(keyring, settings.dkim.privateKeyEnc),
          }
        : null,
      rejectUnauthorized: settings.host !== '127.0.0.1' && settings.host !== 'localhost',
    });
    pools.set(id, pool);
  }
  return pool;
}

/**
 * E-mail over SMTP: composed in one buffer (`composeMime`), sent through pooled connections (optional rate limit, DKIM);
 * 5xx answers are permanent failures.
 */
export function smtpProvider(settings: SmtpSettings, keyring: Keyring): Provider {
  const pool = poolFor(settings, keyring);
  return {
    name: 'smtp',
    // One message per pooled connection: more would wait for a connection, handed over but not yet sent.
    parallel: settings.pool,
    send: async (m, handedOver) => {
      const mime = composeMime({
        from: m.from,
        to: m.rendered.to ?? '',
        subject: m.rendered.subject ?? '',
        html: m.rendered.html,
        text: m.rendered.text,
        headers: m.headers,
        messageId: m.messageId,
        date: new Date(),
      });
      try {
        await pool.send(mime.envelope, mime.source, handedOver);
        return { providerMessageId: m.messageId };
      } catch (err) {
        const code = (err as SmtpError).responseCode;
        if (code && code >= 500) throw new PermanentFailure((err as Error).message);
        throw err;
      }
    },
  };
}

/** Closes pooled SMTP connections (tests, shutdown). */
export function closeTransports(): void {
  for (const p of pools.values()) p.close();
  pools.clear();
}
