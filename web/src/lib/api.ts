/** Thin fetch wrapper: JSON in and out, CSRF header on writes, errors as ApiError with the server's code. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const readCookie = (name: string) =>
  document.cookie
    .split('; ')
    .find((c) => c.startsWith(`${name}=`))
    ?.slice(name.length + 1) ?? null;

type ApiInit = {
  method?: string;
  /** A JSON body. */
  body?: unknown;
  /** A raw body (a file upload) with its content type. */
  raw?: { body: Blob; contentType: string };
  query?: Record<string, unknown>;
};

/** The request as `api` sends it: query string, JSON or raw body, CSRF header on writes. */
function send(path: string, init: ApiInit): Promise<Response> {
  const method = init.method ?? 'GET';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.raw) headers['content-type'] = init.raw.contentType;
  const csrf = readCookie('patron_csrf');
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = decodeURIComponent(csrf);
  return fetch(`/api/v1${path}${qs ? `?${qs}` : ''}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: init.raw ? init.raw.body : init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text();
  const e = (text ? JSON.parse(text) : undefined)?.error ?? { code: 'HTTP_ERROR', message: res.statusText };
  return new ApiError(res.status, e.code, e.message, e.details);
}

export async function api<T>(path: string, init: ApiInit = {}): Promise<T> {
  const res = await send(path, init);
  if (!res.ok) throw await failure(res);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A file the API answers with (an archive, an export), saved by the browser under `fileName`. */
export async function downloadFrom(path: string, fileName: string, init: ApiInit = {}): Promise<void> {
  const res = await send(path, init);
  if (!res.ok) throw await failure(res);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await res.blob());
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(link.href);
}
