import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { Permission } from '../../contracts/permissions.ts';
import type { AppContext } from '../platform/context.ts';
import type { Principal } from './principal.ts';

/** Who may call a route: a permission, any signed-in principal, or anyone. */
export type Access = Permission | 'authenticated' | 'public';

export type RouteRequest<B, Q, P> = {
  body: B;
  query: Q;
  params: P;
  principal: Principal | null;
  ip: string;
  userAgent: string | null;
  ctx: AppContext;
  reply: FastifyReply;
};

/** A route declared with its access rule and Zod contracts; registration and OpenAPI both read it. */
export type RouteSpec<B = unknown, Q = unknown, P = unknown, R = unknown> = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below /api/v1, Fastify syntax (`/users/:id`). */
  url: string;
  access: Access;
  summary: string;
  tag: string;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  response?: z.ZodType<R>;
  status?: number;
  rateLimit?: { max: number; timeWindow: number };
  /** Largest body for this route, when it differs from the server's limit (uploads). */
  bodyLimit?: number;
  handler: (req: RouteRequest<B, Q, P>) => Promise<R>;
};

// biome-ignore lint/suspicious/noExplicitAny: a route list mixes contracts of many shapes
export type AnyRoute = RouteSpec<any, any, any, any>;

export const defineRoute = <B, Q, P, R>(spec: RouteSpec<B, Q, P, R>): RouteSpec<B, Q, P, R> => spec;
