import type { MessagingRules } from '../../../contracts/messaging.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { type Keyring, encryptField } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { readSetting, writeSetting } from '../system/index.ts';
import type { SmtpSettings } from './providers.ts';
import { SMS_CONCURRENCY, type SmsSettings } from './sms-providers.ts';

export const DEFAULT_RULES: MessagingRules = {
  quietHours: { start: '21:00', end: '08:00' },
  extraQuiet: [],
  caps: { marketing: { day: 1, week: 3 } },
  smsSignature: '',
  marketingSmsSuffix: '拒收请回复R',
  emailFrom: 'Patron <no-reply@patron.local>',
};

const RULES = 'messaging.rules';
const SMTP = 'messaging.smtp';

export const messagingRulesOf = (db: Db) => readSetting(db, RULES, DEFAULT_RULES);
export const saveMessagingRules = (db: Db, rules: MessagingRules, actor: Actor) =>
  writeSetting(db, { key: RULES, value: rules, fallback: DEFAULT_RULES, actor });

type StoredSmtp = SmtpSettings | { host: null };

/** The SMTP server e-mail goes through; none configured means the sandbox. */
export async function smtpSettingsOf(db: Db): Promise<SmtpSettings | null> {
  const s = await readSetting<StoredSmtp>(db, SMTP, { host: null });
  return s.host ? (s as SmtpSettings) : null;
}

export type SmtpInput = {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  pool: number;
  perSecond?: number;
  dkim?: { domainName: string; keySelector: string; privateKey?: string } | null;
};

/** Stores the SMTP settings; the password encrypted, kept as it was when none is given. */
export async function saveSmtpSettings(db: Db, keyring: Keyring, input: SmtpInput | null, actor: Actor): Promise<void> {
  const before = await smtpSettingsOf(db);
  const value: StoredSmtp = input
    ? {
        host: input.host,
        port: input.port,
        secure: input.secure,
        user: input.user ?? null,
        passwordEnc: input.password !== undefined ? encryptField(keyring, input.password) : (before?.passwordEnc ?? null),
        pool: input.pool,
        perSecond: input.perSecond ?? null,
        dkim: dkimOf(keyring, input.dkim, before?.dkim ?? null),
      }
    : { host: null };
  await writeSetting(db, { key: SMTP, value, fallback: { host: null }, actor });
}

/** DKIM as stored: the private key encrypted, kept as it was when the same domain and selector come without one. */
function dkimOf(keyring: Keyring, input: SmtpInput['dkim'], before: SmtpSettings['dkim']): SmtpSettings['dkim'] {
  if (!input) return null;
  const privateKeyEnc = input.privateKey ? encryptField(keyring, input.privateKey) : before?.privateKeyEnc;
  if (!privateKeyEnc) throw smsErrors.dkimKeyRequired();
  return { domainName: input.domainName, keySelector: input.keySelector, privateKeyEnc };
}

/** What the API shows of the SMTP settings: never the password. */
export const presentSmtp = (s: SmtpSettings | null) =>
  s
    ? {
        configured: true,
        host: s.host,
        port: s.port,
        secure: s.secure,
        user: s.user,
        hasPassword: s.passwordEnc !== null,
        pool: s.pool,
        perSecond: s.perSecond,
        dkim: s.dkim ? { domainName: s.dkim.domainName, keySelector: s.dkim.keySelector } : null,
      }
    : { configured: false };

const SMS = 'messaging.sms';
type StoredSms = SmsSettings | { kind: null };

/** The SMS provider (Aliyun or Tencent Cloud); none configured means the sandbox. */
export async function smsSettingsOf(db: Db): Promise<SmsSettings | null> {
  const s = await readSetting<StoredSms>(db, SMS, { kind: null });
  return s.kind ? (s as SmsSettings) : null;
}

export type SmsInput = {
  kind: SmsSettings['kind'];
  accessKeyId: string;
  secret?: string;
  signName: string;
  endpoint?: string;
  sdkAppId?: string;
  region?: string;
  concurrency?: number;
};

/** Stores the SMS provider; the secret encrypted, kept as it was when none is given (null: back to the sandbox). */
export async function saveSmsSettings(db: Db, keyring: Keyring, input: SmsInput | null, actor: Actor): Promise<void> {
  const before = await smsSettingsOf(db);
  const secretEnc = input?.secret !== undefined ? encryptField(keyring, input.secret) : before?.secretEnc;
  if (input && !secretEnc) throw smsErrors.secretRequired();
  if (input?.kind === 'http' && !/^https?:\/\/[^\s]+$/.test(input.endpoint ?? '')) throw smsErrors.gatewayUrlRequired();
  const value: StoredSms = input
    ? {
        kind: input.kind,
        accessKeyId: input.accessKeyId,
        secretEnc: secretEnc as string,
        signName: input.signName,
        endpoint: input.endpoint ?? null,
        sdkAppId: input.sdkAppId ?? null,
        region: input.region ?? null,
        concurrency: input.concurrency ?? null,
      }
    : { kind: null };
  await writeSetting(db, { key: SMS, value, fallback: { kind: null }, actor });
}

/** What the API shows of the SMS provider: never the secret; the callback URL to enter in the provider's console. */
export const presentSms = (s: SmsSettings | null, callbackUrl: (kind: SmsSettings['kind']) => string) =>
  s
    ? {
        configured: true,
        kind: s.kind,
        accessKeyId: s.accessKeyId,
        signName: s.signName,
        endpoint: s.endpoint,
        sdkAppId: s.sdkAppId,
        region: s.region,
        concurrency: s.concurrency ?? SMS_CONCURRENCY,
        hasSecret: true,
        callbackUrl: callbackUrl(s.kind),
      }
    : { configured: false };

export const smsErrors = {
  secretRequired: () => new AppError('SMS_SECRET_REQUIRED', 'invalid', 'Give the access key secret the first time an SMS provider is set.'),
  gatewayUrlRequired: () =>
    new AppError('SMS_GATEWAY_URL_REQUIRED', 'invalid', 'Give the gateway’s http(s) URL as the endpoint of an HTTP gateway.'),
  dkimKeyRequired: () => new AppError('DKIM_KEY_REQUIRED', 'invalid', 'Give the DKIM private key the first time signing is set.'),
};
