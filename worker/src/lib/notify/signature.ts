import { createHmac, timingSafeEqual } from 'node:crypto';

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

/** What a receiver does: recompute and compare in constant time. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
