import DysmsapiModule, { SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { sms } from 'tencentcloud-sdk-nodejs-sms';
import { type Keyring, decryptField } from '../../platform/crypto.ts';
import { hmacSignature } from '../../platform/signature.ts';
import { type OutgoingMessage, PermanentFailure, type Provider } from './providers.ts';

/** The SDK is CommonJS with `exports.default`: Node's ESM import hands over the exports object, bundlers the class. */
const Dysmsapi = (DysmsapiModule as unknown as { default?: typeof DysmsapiModule }).default ?? DysmsapiModule;

/** The SMS provider as stored (the secret encrypted with the keyring, never returned by the API). */
export type SmsSettings = {
  /** `http`: Patron's signed JSON POST to a gateway it has no adapter for (WeCom/WeChat bridges, DingTalk, other SMS). */
  kind: 'aliyun' | 'tencent' | 'http';
  /** The account's key id (`http`: sent as X-Patron-Key-Id, so a gateway can rotate secrets). */
  accessKeyId: string;
  secretEnc: string;
  signName: string;
  /** Where the SDK sends its requests (default the provider's public endpoint); `http://host:port` for a local gateway. */
  endpoint: string | null;
  /** Tencent: the SMS application (SmsSdkAppId) and region. */
  sdkAppId: string | null;
  region: string | null;
  /** Requests in flight at once (null: `SMS_CONCURRENCY`); settings stored before it was a setting have none. */
  concurrency?: number | null;
};

/**
 * Requests to the SMS provider in flight at once, unless the settings say otherwise. A request to a provider's public
 * endpoint takes tens of milliseconds, so throughput is concurrency over that time: 32 at 30 ms is ~1,000 a second,
 * within the providers' default per-account rates; a crash leaves at most this many messages `unknown`.
 */
export const SMS_CONCURRENCY = 32;
const concurrencyOf = (s: SmsSettings) => s.concurrency ?? SMS_CONCURRENCY;

/**
 * Answers that sending again cannot change for this message (a bad number, an unapproved template or signature, a
 * missing parameter). A refused key or signature, a balance or a rate limit is the account's state: retried with backoff.
 */
const ALIYUN_PERMANENT =
  /^isv\.(MOBILE_NUMBER_ILLEGAL|SMS_TEMPLATE_ILLEGAL|SMS_SIGNATURE_ILLEGAL|INVALID_PARAMETERS|TEMPLATE_MISSING_PARAMETERS|PARAM_LENGTH_LIMIT|BLACK_KEY_CONTROL_LIMIT|MOBILE_COUNT_OVER_LIMIT|SMS_SIGN_ILLEGAL)/;
const TENCENT_PERMANENT =
  /^(InvalidParameterValue|FailedOperation\.(TemplateIncorrectOrUnapproved|SignatureIncorrectOrUnapproved|PhoneNumberInBlacklist|InsufficientBalanceInSmsPackage|MarketingSendTimeConstraint)|UnsupportedOperation|MissingParameter)/;

function approvedTemplate(m: OutgoingMessage) {
  const t = m.rendered.providerTemplate;
  if (!t) throw new PermanentFailure('the template names no operator-approved SMS template (providerTemplate)');
  if (!m.rendered.to) throw new PermanentFailure('no phone number');
  return { ...t, to: m.rendered.to };
}

const endpointOf = (s: SmsSettings, fallback: string) =>
  new URL(s.endpoint?.includes('://') ? s.endpoint : `https://${s.endpoint ?? fallback}`);

/** Aliyun SMS (dysmsapi 2017-05-25, SendSms) through its official SDK; OutId carries the message id. */
export function aliyunProvider(s: SmsSettings, keyring: Keyring): Provider {
  const url = endpointOf(s, 'dysmsapi.aliyuncs.com');
  const client = new Dysmsapi(
    new $OpenApiUtil.Config({
      accessKeyId: s.accessKeyId,
      accessKeySecret: decryptField(keyring, s.secretEnc),
      endpoint: url.host,
      protocol: url.protocol.replace(':', ''),
    }),
  );
  return {
    name: 'aliyun',
    parallel: concurrencyOf(s),
    send: async (m, handedOver) => {
      await handedOver;
      const t = approvedTemplate(m);
      let body: { code?: string; message?: string; bizId?: string } | undefined;
      try {
        body = (
          await client.sendSms(
            new SendSmsRequest({
              phoneNumbers: t.to,
              signName: s.signName,
              templateCode: t.code,
              templateParam: JSON.stringify(t.params),
              outId: String(m.id),
            }),
          )
        ).body;
      } catch (err) {
        const code = String((err as { code?: string }).code ?? '');
        const reason = code ? `${code}: ${(err as Error).message}` : (err as Error).message;
        throw ALIYUN_PERMANENT.test(code) ? new PermanentFailure(reason) : new Error(reason);
      }
      if (body?.code === 'OK' && body.bizId) return { providerMessageId: body.bizId };
      const reason = `${body?.code ?? 'no answer'}: ${body?.message ?? ''}`;
      throw ALIYUN_PERMANENT.test(body?.code ?? '') ? new PermanentFailure(reason) : new Error(reason);
    },
  };
}

/** Tencent Cloud SMS (2021-01-11, SendSms) through its official SDK; SessionContext carries the message id. */
export function tencentProvider(s: SmsSettings, keyring: Keyring): Provider {
  const url = endpointOf(s, 'sms.tencentcloudapi.com');
  const client = new sms.v20210111.Client({
    credential: { secretId: s.accessKeyId, secretKey: decryptField(keyring, s.secretEnc) },
    region: s.region ?? 'ap-guangzhou',
    profile: { httpProfile: { endpoint: url.host, protocol: `${url.protocol}//`, reqTimeout: 10 } },
  });
  return {
    name: 'tencent',
    parallel: concurrencyOf(s),
    send: async (m, handedOver) => {
      await handedOver;
      const t = approvedTemplate(m);
      let status: { Code?: string; Message?: string; SerialNo?: string } | undefined;
      try {
        const res = await client.SendSms({
          PhoneNumberSet: [t.to],
          SmsSdkAppId: s.sdkAppId ?? '',
          SignName: s.signName,
          TemplateId: t.code,
          TemplateParamSet: Object.values(t.params),
          SessionContext: String(m.id),
        });
        status = res.SendStatusSet?.[0];
      } catch (err) {
        const code = String((err as { code?: string }).code ?? '');
        const reason = code ? `${code}: ${(err as Error).message}` : (err as Error).message;
        throw TENCENT_PERMANENT.test(code) ? new PermanentFailure(reason) : new Error(reason);
      }
      if (status?.Code === 'Ok' && status.SerialNo) return { providerMessageId: status.SerialNo };
      const reason = `${status?.Code ?? 'no answer'}: ${status?.Message ?? ''}`;
      throw TENCENT_PERMANENT.test(status?.Code ?? '') ? new PermanentFailure(reason) : new Error(reason);
    },
  };
}

/**
 * A gateway Patron has no adapter for: one signed JSON POST per message to the configured URL. Headers:
 * `X-Patron-Key-Id`, `X-Patron-Timestamp` (Unix seconds), `X-Patron-Signature: sha256=<hex>` over `<timestamp>.<body>`,
 * and `Idempotency-Key: patron-<id>` (a gateway that honours it makes a resend after a crash harmless). Body: `id`,
 * `channel`, `purpose`, `to`, `sign` (the signature), `text` and the operator `template` when the message has one. A 2xx is accepted (the
 * answer's `id` is the gateway's message id); a 4xx other than 408/429 is permanent; anything else is retried.
 * Receipts and replies come back at `/hooks/sms/http/<token>`.
 */
export function httpGatewayProvider(s: SmsSettings, keyring: Keyring): Provider {
  if (!s.endpoint?.includes('://')) throw new PermanentFailure('the gateway has no URL');
  const url = s.endpoint;
  const secret = decryptField(keyring, s.secretEnc);
  return {
    name: 'http',
    parallel: concurrencyOf(s),
    send: async (m, handedOver) => {
      await handedOver;
      if (!m.rendered.to) throw new PermanentFailure('no phone number');
      const body = JSON.stringify({
        id: m.id,
        channel: m.channel,
        purpose: m.purpose,
        to: m.rendered.to,
        sign: s.signName,
        text: m.rendered.text,
        template: m.rendered.providerTemplate,
      });
      const timestamp = String(Math.floor(Date.now() / 1000));
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-patron-key-id': s.accessKeyId,
            'x-patron-timestamp': timestamp,
            'x-patron-signature': `sha256=${hmacSignature(secret, timestamp, body)}`,
            'idempotency-key': `patron-${m.id}`,
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
      } catch (err) {
        throw new Error(`gateway unreachable: ${(err as Error).message}`);
      }
      const text = await res.text().catch(() => '');
      if (res.ok) {
        let answer: { id?: unknown } = {};
        try {
          answer = JSON.parse(text) as { id?: unknown };
        } catch {}
        return { providerMessageId: answer.id === undefined || answer.id === null ? `http-${m.id}` : String(answer.id).slice(0, 200) };
      }
      const reason = `HTTP ${res.status}: ${text.slice(0, 300)}`;
      throw res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429
        ? new PermanentFailure(reason)
        : new Error(reason);
    },
  };
}

export const smsProvider = (s: SmsSettings, keyring: Keyring): Provider =>
  s.kind === 'aliyun' ? aliyunProvider(s, keyring) : s.kind === 'tencent' ? tencentProvider(s, keyring) : httpGatewayProvider(s, keyring);
