import { createServer } from 'node:net';

/** Resolves `preferred` when it can be bound on 127.0.0.1, else a port the OS picks. */
export async function freePort(preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        const bound = typeof address === 'object' && address ? address.port : null;
        server.close(() => resolve(bound));
      });
    });
  return (
    (preferred ? await tryPort(preferred) : null) ?? (await tryPort(0)) ?? Promise.reject(new Error('no free port'))
  );
}
