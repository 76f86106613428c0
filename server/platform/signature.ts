import { createHmac } from 'node:crypto';

/**
 * The signature Patron puts on what it POSTs to others (an SMS gateway, a webhook endpoint): HMAC-SHA256 of
 * `<timestamp>.<body>` under the shared secret, hex. The receiver recomputes it and refuses an old timestamp.
 */
export const hmacSignature = (secret: string, timestamp: string, body: string) =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
