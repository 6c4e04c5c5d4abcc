import { describe, expect, it } from 'vitest';
import { bearer, loadReadToken, saveReadToken } from './read-token.ts';

function memoryStorage() {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
  };
}

describe('read token', () => {
  it('prefers a saved token over the build-time one, and forgets it when cleared', () => {
    const storage = memoryStorage();
    expect(loadReadToken(storage, undefined)).toBeNull();
    expect(loadReadToken(storage, ' built-in ')).toBe('built-in');
    saveReadToken(storage, '  typed  ');
    expect(loadReadToken(storage, 'built-in')).toBe('typed');
    saveReadToken(storage, '');
    expect(loadReadToken(storage, 'built-in')).toBe('built-in');
  });

  it('makes a bearer authorization only when there is a token', () => {
    expect(bearer('abc')).toBe('Bearer abc');
    expect(bearer(null)).toBeUndefined();
  });
});
