import { z } from 'zod';
import { errorBody } from '../../contracts/common.ts';
import type { AnyRoute } from './route.ts';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] };

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: toSchema(errorBody, 'output') } },
});

/** OpenAPI 3.1 document generated from the same Zod contracts that validate requests. */
export function buildOpenApi(routes: readonly AnyRoute[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = `/api/v1${r.url.replace(/:(\w+)/g, '{$1}')}`;
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      'x-patron-access': r.access,
      ...(r.access === 'public' ? { security: [] } : {}),
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(r.body, 'input') } } } } : {}),
      responses: {
        [String(r.status ?? 200)]: {
          description: 'Success',
          ...(r.response ? { content: { 'application/json': { schema: toSchema(r.response, 'output') } } } : {}),
        },
        '400': errorResponse('Invalid input (VALIDATION_FAILED, MALFORMED_JSON, …)'),
        ...(r.access === 'public' ? {} : { '401': errorResponse('Not signed in'), '403': errorResponse('Not allowed') }),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Patron API', version, description: 'Patron e-commerce CRM. Errors: {"error":{"code","message","details"}}.' },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'patron_session' },
        apiKey: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer ptn_…' },
      },
    },
    security: [{ session: [] }, { apiKey: [] }],
    paths,
  };
}
