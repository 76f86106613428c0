import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { z } from 'zod';
import { roleHas } from '../../contracts/permissions.ts';
import type { AppContext } from '../platform/context.ts';
import { constantTimeEqual } from '../platform/crypto.ts';
import { AppError } from '../platform/errors.ts';
import { nulPath } from '../platform/nul.ts';
import { errorHandler, httpErrors } from './errors.ts';
import { createHttpMetrics, registerGauges } from './metrics.ts';
import type { Gauge } from '../module.ts';
import { buildOpenApi } from './openapi.ts';
import type { Principal } from './principal.ts';
import type { Access, AnyRoute } from './route.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    /** Every route as registered (method, URL, access rule), for introspection and the route × role test. */
    routeTable: RegisteredRoute[];
  }
}

export type RegisteredRoute = { method: string; url: string; access: Access | undefined };

export type HttpOptions = {
  ctx: AppContext;
  routes: readonly AnyRoute[];
  authenticate: (request: FastifyRequest) => Promise<Principal | null>;
  ready: () => Promise<boolean>;
  webDir?: string;
  version: string;
  /** Figures the modules read from their tables for `/metrics`. */
  gauges?: readonly Gauge[];
  /** Surfaces with their own protocol and authentication (e.g. the /v1 tracking API). */
  plugins?: readonly ((app: FastifyInstance, ctx: AppContext) => Promise<void>)[];
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) throw httpErrors.validation(where, result.error);
  const nul = nulPath(result.data);
  if (nul) throw httpErrors.nulCharacter(where, nul.join('.'));
  return result.data;
}

function checkAccess(request: FastifyRequest, access: Access) {
  if (access === 'public') return;
  const p = request.principal;
  if (!p) throw httpErrors.unauthenticated();
  if (p.sessionId && UNSAFE.has(request.method)) {
    const sent = request.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !p.csrfToken || !constantTimeEqual(sent, p.csrfToken)) throw httpErrors.csrf();
  }
  if (access !== 'authenticated' && !(p.permissions.has(access) && roleHas(p.role, access))) {
    throw httpErrors.forbidden(access);
  }
}

function registerRoute(app: FastifyInstance, ctx: AppContext, route: AnyRoute) {
  app.route({
    method: route.method,
    url: `/api/v1${route.url}`,
    ...(route.bodyLimit ? { bodyLimit: route.bodyLimit } : {}),
    config: { access: route.access, ...(route.rateLimit ? { rateLimit: route.rateLimit } : {}) },
    handler: async (request, reply) => {
      checkAccess(request, route.access);
      const result = await route.handler({
        body: parse(route.body, request.body, 'body'),
        query: parse(route.query, request.query, 'query'),
        params: parse(route.params, request.params, 'path'),
        principal: request.principal,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        ctx,
        reply,
      });
      reply.status(route.status ?? 200);
      return result;
    },
  });
}

async function registerDocs(app: FastifyInstance, opts: HttpOptions) {
  const document = buildOpenApi(opts.routes, opts.version);
  app.get('/api/openapi.json', async () => document);
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
}

function registerOps(app: FastifyInstance, opts: HttpOptions) {
  const metrics = createHttpMetrics();
  registerGauges(metrics.registry, opts.gauges ?? [], opts.ctx);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ok = await opts.ready().catch(() => false);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready' });
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
}

function registerWeb(app: FastifyInstance, webDir: string | undefined) {
  const hasWeb = webDir !== undefined && existsSync(`${webDir}/index.html`);
  if (hasWeb) {
    app.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      index: 'index.html',
      // The build writes .br and .gz beside each asset; a browser that accepts them gets them.
      preCompressed: true,
      setHeaders: (reply, path) => {
        // Hashed file names change with their content: cached for a year. The page itself is always revalidated.
        reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const isPage = request.method === 'GET' && !/^\/(api|v1)\//.test(request.url) && !/\.\w+$/.test(request.url.split('?')[0]);
    if (hasWeb && isPage) return reply.type('text/html').sendFile('index.html');
    throw httpErrors.routeNotFound(request.method, request.url);
  });
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** One log line per request — method, URL, status and time once it is answered — instead of Fastify's two. */
class OneLinePerRequest extends LogController {
  override incomingRequest() {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    if (error) return super.requestCompleted(error, request, reply);
    // The path without its query string: a search for a phone or e-mail must not write it into the logs.
    request.log.info(
      { method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  }
}

export async function buildHttp(opts: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.ctx.log as FastifyBaseLogger,
    bodyLimit: opts.ctx.config.bodyLimit,
    trustProxy: opts.ctx.config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    logController: new OneLinePerRequest(),
  });
  app.decorateRequest('principal', null);
  const routeTable: RegisteredRoute[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routeTable.push({ method, url: r.url, access: r.config?.access });
  });
  app.setErrorHandler(errorHandler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    // Scripts only from Patron's own origin, never inline, and no page of Patron's inside another site's frame.
    // antd writes its styles at run time (CSS-in-JS): inline styles stay allowed. The API docs bring their own.
    if (!request.url.startsWith('/api/docs')) reply.header('content-security-policy', CSP);
  });
  await app.register(cookie);
  // File uploads (CSV imports) arrive as raw bytes.
  app.addContentTypeParser(['text/csv', 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) =>
      new AppError('RATE_LIMITED', 'rate_limited', 'Too many requests; slow down.', { retryAfterSeconds: Math.ceil(context.ttl / 1000) }),
  });
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/api/v1/')) request.principal = await opts.authenticate(request);
  });
  for (const route of opts.routes) registerRoute(app, opts.ctx, route);
  for (const plugin of opts.plugins ?? []) await plugin(app, opts.ctx);
  await registerDocs(app, opts);
  registerOps(app, opts);
  registerWeb(app, opts.webDir);
  return app;
}
