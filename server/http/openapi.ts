import { z } from 'zod';
import { errorBody } from '../../contracts/common.ts';
import { DOMAIN_EVENTS } from '../../contracts/events.ts';
import { WEBHOOK_EVENTS, WEBHOOK_PAYLOAD_VERSION } from '../../contracts/webhooks.ts';
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

const HEADER = (name: string, description: string) => ({ name, in: 'header', required: true, schema: { type: 'string' }, description });

/**
 * What Patron POSTs to an outbound webhook endpoint, per event type: the envelope, the event's data (the domain event's
 * versioned schema) and the headers to check. docs/webhooks.md shows the verification in TypeScript, Python and PHP.
 */
function webhooks() {
  const customer = z
    .object({ id: z.number().int(), name: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable() })
    .nullable()
    .describe('Masked unless the endpoint is granted personal data');
  return Object.fromEntries(
    WEBHOOK_EVENTS.map((type) => {
      const body = z.object({
        id: z.string().describe("The event's id: the same in every delivery and replay of it"),
        deliveryId: z.string().describe('This delivery (as the X-Patron-Delivery header)'),
        type: z.literal(type),
        version: z.literal(WEBHOOK_PAYLOAD_VERSION),
        occurredAt: z.string(),
        customer,
        data: DOMAIN_EVENTS[type],
      });
      return [
        type,
        {
          post: {
            summary: `${type} (payload version ${WEBHOOK_PAYLOAD_VERSION})`,
            tags: ['webhooks'],
            parameters: [
              HEADER('X-Patron-Event', 'The event type'),
              HEADER('X-Patron-Delivery', 'Unique per delivery: deduplicate on it (deliveries are at least once)'),
              HEADER('X-Patron-Timestamp', 'Unix seconds when it was signed: refuse one more than 5 minutes old'),
              HEADER(
                'X-Patron-Signature',
                't=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>" under the endpoint secret>[,v1=<under the previous secret>]',
              ),
            ],
            requestBody: { required: true, content: { 'application/json': { schema: toSchema(body, 'output') } } },
            responses: { '2XX': { description: 'Received; any other answer (or none in 10 s) is retried with backoff for 24 hours' } },
          },
        },
      ];
    }),
  );
}

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
    webhooks: webhooks(),
  };
}
