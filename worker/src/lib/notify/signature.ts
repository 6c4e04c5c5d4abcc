import { createHmac } from 'node:crypto';

/**
 * Webhook signatures (the README documents the scheme for receivers): `X-PMD-Signature: sha256=<hex>` where hex is
 * HMAC-SHA256(secret, `${X-PMD-Timestamp}.${raw body}`). The timestamp is in the signed text, so a receiver that
 * refuses old timestamps also refuses replays of a captured request.
 */
export const SIGNATURE_HEADER = 'X-PMD-Signature';
export const TIMESTAMP_HEADER = 'X-PMD-Timestamp';

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
