import type DysmsapiModule from '@alicloud/dysmsapi20170525';
import { type Keyring, blindIndex, decryptField } from '../../platform/crypto.ts';
import { hmacSignature } from '../../platform/signature.ts';
import { type OutgoingMessage, PermanentFailure, type Provider } from './providers.ts';

/**
 * A provider's SDK, imported when a provider of that kind first sends: a server sending no SMS through them, or only
 * through a gateway, holds ~20 MB less (idle RSS 263 against 282 MB, 2026-12-07) and starts ~0.35 s sooner, which the
 * first message sent through Aliyun pays instead.
 */
function loadedOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

const aliyunSdk = loadedOnce(async () => {
  const [dysmsapi, { $OpenApiUtil }] = await Promise.all([import('@alicloud/dysmsapi20170525'), import('@alicloud/openapi-core')]);
  // CommonJS with `exports.default`: Node's ESM import hands over the exports object, bundlers the class.
  const exported = dysmsapi.default as unknown as { default?: typeof DysmsapiModule };
  return {
    Dysmsapi: exported.default ?? dysmsapi.default,
    SendSmsRequest: dysmsapi.SendSmsRequest,
    SendBatchSmsRequest: dysmsapi.SendBatchSmsRequest,
    Config: $OpenApiUtil.Config,
  };
});

const tencentSdk = loadedOnce(async () => (await import('tencentcloud-sdk-nodejs-sms')).sms.v20210111);

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

/** Numbers one Aliyun SendBatchSms takes at most. */
const ALIYUN_BATCH = 100;

/**
 * The provider message id of a message sent in an Aliyun batch: the batch's BizId and a keyed tag of the number (the
 * last 11 digits), since a delivery receipt names the batch and the number, not the message.
 */
export const batchMemberId = (keyring: Keyring, bizId: string, phone: string) =>
  `${bizId}/${blindIndex(keyring, 'sms-batch', phone.replace(/\D/g, '').slice(-11)).slice(0, 16)}`;

type Approved = ReturnType<typeof approvedTemplate>;
type Ready = { id: number; t: Approved; resolve(r: { providerMessageId: string }): void; reject(err: unknown): void };

/** An error a provider's SDK threw, as a failure: permanent for the codes its pattern names, else retried. */
function sdkFailure(permanent: RegExp, err: unknown): Error {
  const code = String((err as { code?: string }).code ?? '');
  const reason = code ? `${code}: ${(err as Error).message}` : (err as Error).message;
  return permanent.test(code) ? new PermanentFailure(reason) : new Error(reason);
}

/** A provider's answer refusing a message (its code and message), as a failure: permanent as `sdkFailure` says. */
function refusal(permanent: RegExp, code: string | undefined, message: string | undefined): Error {
  const reason = `${code ?? 'no answer'}: ${message ?? ''}`;
  return permanent.test(code ?? '') ? new PermanentFailure(reason) : new Error(reason);
}

/**
 * Aliyun SMS (dysmsapi 2017-05-25) through its official SDK. Messages handed over together (the lanes' hand-overs
 * commit in one statement) with the same template go as one SendBatchSms of up to 100 numbers, each with its own
 * parameters; a message alone goes as SendSms with its id as OutId. A batch the service refuses for something one
 * number or parameter can cause (a permanent code: nothing of it was sent) is sent again number by number, so only
 * the bad one fails; any other failure fails each of its messages as SendSms would (retried with backoff).
 */
export function aliyunProvider(s: SmsSettings, keyring: Keyring): Provider {
  const url = endpointOf(s, 'dysmsapi.aliyuncs.com');
  const accessKeySecret = decryptField(keyring, s.secretEnc);
  const sdk = loadedOnce(async () => {
    const { Dysmsapi, Config, SendSmsRequest, SendBatchSmsRequest } = await aliyunSdk();
    const client = new Dysmsapi(
      new Config({ accessKeyId: s.accessKeyId, accessKeySecret, endpoint: url.host, protocol: url.protocol.replace(':', '') }),
    );
    return { client, SendSmsRequest, SendBatchSmsRequest };
  });
  const sendOne = async (id: number, t: Approved) => {
    let body: { code?: string; message?: string; bizId?: string } | undefined;
    try {
      const { client, SendSmsRequest } = await sdk();
      body = (
        await client.sendSms(
          new SendSmsRequest({
            phoneNumbers: t.to,
            signName: s.signName,
            templateCode: t.code,
            templateParam: JSON.stringify(t.params),
            outId: String(id),
          }),
        )
      ).body;
    } catch (err) {
      throw sdkFailure(ALIYUN_PERMANENT, err);
    }
    if (body?.code === 'OK' && body.bizId) return { providerMessageId: body.bizId };
    throw refusal(ALIYUN_PERMANENT, body?.code, body?.message);
  };
  const sendBatch = async (batch: Ready[]) => {
    let failure: Error;
    try {
      const { client, SendBatchSmsRequest } = await sdk();
      const body = (
        await client.sendBatchSms(
          new SendBatchSmsRequest({
            phoneNumberJson: JSON.stringify(batch.map((r) => r.t.to)),
            signNameJson: JSON.stringify(batch.map(() => s.signName)),
            templateCode: batch[0].t.code,
            templateParamJson: JSON.stringify(batch.map((r) => r.t.params)),
          }),
        )
      ).body;
      const bizId = body?.code === 'OK' ? body.bizId : undefined;
      if (bizId) {
        for (const r of batch) r.resolve({ providerMessageId: batchMemberId(keyring, bizId, r.t.to) });
        return;
      }
      failure = refusal(ALIYUN_PERMANENT, body?.code, body?.message);
    } catch (err) {
      failure = sdkFailure(ALIYUN_PERMANENT, err);
    }
    if (!(failure instanceof PermanentFailure)) {
      for (const r of batch) r.reject(failure);
      return;
    }
    await Promise.all(batch.map((r) => sendOne(r.id, r.t).then(r.resolve, r.reject)));
  };
  let ready: Ready[] = [];
  const flush = () => {
    const taken = ready;
    ready = [];
    const byTemplate = new Map<string, Ready[]>();
    for (const r of taken) {
      const group = byTemplate.get(r.t.code);
      if (group) group.push(r);
      else byTemplate.set(r.t.code, [r]);
    }
    for (const group of byTemplate.values())
      for (let i = 0; i < group.length; i += ALIYUN_BATCH) {
        const batch = group.slice(i, i + ALIYUN_BATCH);
        const sent = batch.length === 1 ? sendOne(batch[0].id, batch[0].t).then(batch[0].resolve) : sendBatch(batch);
        sent.catch((err: unknown) => {
          for (const r of batch) r.reject(err);
        });
      }
  };
  return {
    name: 'aliyun',
    parallel: concurrencyOf(s),
    send: async (m, handedOver) => {
      await handedOver;
      const t = approvedTemplate(m);
      return new Promise((resolve, reject) => {
        // Whatever else is handed over in this turn of the event loop joins it.
        if (ready.length === 0) setImmediate(flush);
        ready.push({ id: m.id, t, resolve, reject });
      });
    },
  };
}

/** Tencent Cloud SMS (2021-01-11, SendSms) through its official SDK; SessionContext carries the message id. */
export function tencentProvider(s: SmsSettings, keyring: Keyring): Provider {
  const url = endpointOf(s, 'sms.tencentcloudapi.com');
  const secretKey = decryptField(keyring, s.secretEnc);
  const client = loadedOnce(async () => {
    const { Client } = await tencentSdk();
    return new Client({
      credential: { secretId: s.accessKeyId, secretKey },
      region: s.region ?? 'ap-guangzhou',
      profile: { httpProfile: { endpoint: url.host, protocol: `${url.protocol}//`, reqTimeout: 10 } },
    });
  });
  return {
    name: 'tencent',
    parallel: concurrencyOf(s),
    send: async (m, handedOver) => {
      await handedOver;
      const t = approvedTemplate(m);
      let status: { Code?: string; Message?: string; SerialNo?: string } | undefined;
      try {
        const res = await (await client()).SendSms({
          PhoneNumberSet: [t.to],
          SmsSdkAppId: s.sdkAppId ?? '',
          SignName: s.signName,
          TemplateId: t.code,
          TemplateParamSet: Object.values(t.params),
          SessionContext: String(m.id),
        });
        status = res.SendStatusSet?.[0];
      } catch (err) {
        throw sdkFailure(TENCENT_PERMANENT, err);
      }
      if (status?.Code === 'Ok' && status.SerialNo) return { providerMessageId: status.SerialNo };
      throw refusal(TENCENT_PERMANENT, status?.Code, status?.Message);
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
