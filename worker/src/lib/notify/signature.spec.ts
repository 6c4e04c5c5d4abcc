import { describe, expect, it } from 'vitest';
import { webhookSignature } from './signature.ts';

describe('webhookSignature', () => {
  it('is the documented HMAC-SHA256 over "<timestamp>.<body>" (vector from `openssl dgst -sha256 -hmac`)', () => {
    // printf '%s' '1764660000.{"a":1}' | openssl dgst -sha256 -hmac 'secret-key'
    expect(webhookSignature('secret-key', '1764660000', '{"a":1}')).toBe(
      'sha256=056737f625de33619150289bc78ff5c801eb63ba0836309aaee5381b41f74f2f',
    );
  });
});
