import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Aliyun and Tencent Cloud SMS APIs that the real SDKs are pointed at (their endpoint is
 * configurable). It verifies the signature each SDK computed — ACS3-HMAC-SHA256 and TC3-HMAC-SHA256, from the
 * providers' published algorithms — and refuses a wrong one as the real service does. A number ending 0000 is refused
 * as invalid (a permanent failure; in an Aliyun SendBatchSms, the whole batch).
 */
export type SentSms = {
  provider: 'aliyun' | 'tencent';
  to: string;
  sign: string;
  template: string;
  params: Record<string, string> | string[];
  ref: string;
  /** Aliyun SendBatchSms: the batch's BizId. */
  batch?: string;
};
export type FakeSms = { endpoint: string; sent: SentSms[]; refused: string[]; close(): Promise<void> };
export type FakeKeys = { aliyun: { id: string; secret: string }; tencent: { id: string; secret: string } };

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function fields(authorization: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of authorization.replace(/^\S+\s+/, '').split(/,\s*/)) {
    const i = part.indexOf('=');
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

function aliyunValid(req: IncomingMessage, body: Buffer, keys: FakeKeys['aliyun']): boolean {
  const f = fields(String(req.headers.authorization));
  if (f.Credential !== keys.id) return false;
  const url = new URL(req.url ?? '/', 'http://fake');
  const query = [...url.searchParams.keys()]
    .sort()
    .map((k) => `${k}=${encode(url.searchParams.get(k) ?? '')}`)
    .join('&');
  const signed = f.SignedHeaders.split(';');
  const headers = signed.map((h) => `${h}:${String(req.headers[h] ?? '').trim()}\n`).join('');
  if (sha256(body) !== req.headers['x-acs-content-sha256']) return false;
  const canonical = `${req.method}\n${url.pathname}\n${query}\n${headers}\n${signed.join(';')}\n${req.headers['x-acs-content-sha256']}`;
  const expected = hmac(keys.secret, `ACS3-HMAC-SHA256\n${sha256(canonical)}`).toString('hex');
  return same(expected, f.Signature);
}

function tencentValid(req: IncomingMessage, body: Buffer, keys: FakeKeys['tencent']): boolean {
  const f = fields(String(req.headers.authorization));
  const [id, date, service] = f.Credential.split('/');
  if (id !== keys.id) return false;
  const timestamp = String(req.headers['x-tc-timestamp']);
  const host = String(req.headers.host).replace(/:\d+$/, '');
  const canonical = `POST\n/\n\ncontent-type:${req.headers['content-type']}\nhost:${host}\n\ncontent-type;host\n${sha256(body)}`;
  const toSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/${service}/tc3_request\n${sha256(canonical)}`;
  const signing = hmac(hmac(hmac(`TC3${keys.secret}`, date), service), 'tc3_request');
  return same(hmac(signing, toSign).toString('hex'), f.Signature);
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function startFakeSms(keys: FakeKeys): Promise<FakeSms> {
  const sent: SentSms[] = [];
  const refused: string[] = [];
  let batches = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const auth = String(req.headers.authorization ?? '');
      if (auth.startsWith('ACS3-HMAC-SHA256')) {
        if (!aliyunValid(req, body, keys.aliyun)) {
          refused.push('aliyun: signature');
          return json(res, 400, {
            Code: 'SignatureDoesNotMatch',
            Message: 'Specified signature is not matched with our calculation.',
            RequestId: randomUUID(),
          });
        }
        const q = new URL(req.url ?? '/', 'http://fake').searchParams;
        if (req.headers['x-acs-action'] === 'SendBatchSms') {
          // The numbers, signatures and parameters travel in the form body, one array each; one bad number refuses all.
          const form = new URLSearchParams(body.toString('utf8'));
          const numbers = JSON.parse(form.get('PhoneNumberJson') ?? '[]') as string[];
          const signs = JSON.parse(form.get('SignNameJson') ?? '[]') as string[];
          const params = JSON.parse(form.get('TemplateParamJson') ?? '[]') as Record<string, string>[];
          if (numbers.some((n) => n.endsWith('0000')))
            return json(res, 200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号', RequestId: randomUUID() });
          const bizId = `${Date.now()}^${++batches}`;
          const template = q.get('TemplateCode') ?? '';
          sent.push(
            ...numbers.map((to, i) => ({
              provider: 'aliyun' as const,
              to,
              sign: signs[i],
              template,
              params: params[i],
              ref: '',
              batch: bizId,
            })),
          );
          return json(res, 200, { Code: 'OK', Message: 'OK', BizId: bizId, RequestId: randomUUID() });
        }
        const to = q.get('PhoneNumbers') ?? '';
        if (to.endsWith('0000'))
          return json(res, 200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号', RequestId: randomUUID() });
        sent.push({
          provider: 'aliyun',
          to,
          sign: q.get('SignName') ?? '',
          template: q.get('TemplateCode') ?? '',
          params: JSON.parse(q.get('TemplateParam') ?? '{}'),
          ref: q.get('OutId') ?? '',
        });
        return json(res, 200, { Code: 'OK', Message: 'OK', BizId: `${Date.now()}^0`, RequestId: randomUUID() });
      }
      if (auth.startsWith('TC3-HMAC-SHA256')) {
        if (!tencentValid(req, body, keys.tencent)) {
          refused.push('tencent: signature');
          return json(res, 200, {
            Response: {
              Error: { Code: 'AuthFailure.SignatureFailure', Message: 'The provided credentials could not be validated.' },
              RequestId: randomUUID(),
            },
          });
        }
        const r = JSON.parse(body.toString('utf8')) as {
          PhoneNumberSet: string[];
          SignName: string;
          TemplateId: string;
          TemplateParamSet?: string[];
          SessionContext?: string;
        };
        const status = r.PhoneNumberSet.map((to) => {
          if (to.endsWith('0000'))
            return {
              SerialNo: '',
              PhoneNumber: to,
              Fee: 0,
              SessionContext: r.SessionContext ?? '',
              Code: 'InvalidParameterValue.IncorrectPhoneNumber',
              Message: 'incorrect number',
              IsoCode: 'CN',
            };
          sent.push({
            provider: 'tencent',
            to,
            sign: r.SignName,
            template: r.TemplateId,
            params: r.TemplateParamSet ?? [],
            ref: r.SessionContext ?? '',
          });
          return {
            SerialNo: randomUUID(),
            PhoneNumber: to,
            Fee: 1,
            SessionContext: r.SessionContext ?? '',
            Code: 'Ok',
            Message: 'send success',
            IsoCode: 'CN',
          };
        });
        return json(res, 200, { Response: { SendStatusSet: status, RequestId: randomUUID() } });
      }
      json(res, 401, { error: 'unsigned' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, sent, refused, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
