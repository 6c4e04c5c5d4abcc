/**
 * The API's READ_TOKEN as this browser knows it: one saved by the sign-in prompt (localStorage) wins over one baked in
 * at build time (VITE_READ_TOKEN). Sent as `Authorization: Bearer …` over HTTP and as the `authorization` connection
 * parameter over websockets (browsers cannot set websocket headers).
 */
const STORAGE_KEY = 'pmd.readToken';

type TokenStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function loadReadToken(storage: TokenStorage | undefined, configured: string | undefined): string | null {
  const saved = storage?.getItem(STORAGE_KEY)?.trim();
  if (saved) return saved;
  return configured?.trim() || null;
}

export function saveReadToken(storage: TokenStorage, token: string | null): void {
  const value = token?.trim();
  if (value) storage.setItem(STORAGE_KEY, value);
  else storage.removeItem(STORAGE_KEY);
}

export function bearer(token: string | null): string | undefined {
  return token ? `Bearer ${token}` : undefined;
}
