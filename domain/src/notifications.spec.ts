import { describe, expect, it } from 'vitest';
import { channelTargetProblem, isPrivateHost } from './notifications.ts';

describe('isPrivateHost', () => {
  it.each([
    'localhost',
    'api.localhost',
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '[::1]',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
  ])('%s is private', (host) => expect(isPrivateHost(host)).toBe(true));
  it.each(['example.com', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2001:db8::1', '[2606:4700::1111]'])(
    '%s is public',
    (host) => expect(isPrivateHost(host)).toBe(false),
  );
});

describe('channelTargetProblem', () => {
  it('accepts http(s) URLs for webhooks and refuses other schemes and credentials', () => {
    expect(channelTargetProblem('webhook', 'https://hooks.example.com/x')).toBeNull();
    expect(channelTargetProblem('slack', 'http://hooks.example.com/x')).toBeNull();
    expect(channelTargetProblem('webhook', 'file:///etc/passwd')).toMatch(/http or https/);
    expect(channelTargetProblem('webhook', 'javascript:alert(1)')).toMatch(/http or https/);
    expect(channelTargetProblem('webhook', 'not a url')).toMatch(/absolute/);
    expect(channelTargetProblem('webhook', 'https://u:p@example.com/')).toMatch(/password/);
  });
  it('accepts a comma list of addresses for email and names the bad one', () => {
    expect(channelTargetProblem('email', 'a@example.com, b@example.org')).toBeNull();
    expect(channelTargetProblem('email', 'a@example.com, nope')).toMatch(/"nope" is not an email address/);
    expect(channelTargetProblem('email', ' , ')).toMatch(/at least one/);
    expect(channelTargetProblem('email', Array.from({ length: 21 }, (_, i) => `u${i}@x.io`).join(','))).toMatch(
      /at most 20/,
    );
  });
});
