import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const clientRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A production build of the dashboard talking to `apiUrl`, in a fresh temporary folder (dist/ is left alone). */
export async function buildDashboard(apiUrl: string): Promise<string> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'pmd-dashboard-'));
  const previous = process.env.VITE_API_URL;
  process.env.VITE_API_URL = apiUrl;
  try {
    await build({
      root: clientRoot,
      configFile: path.join(clientRoot, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (previous === undefined) delete process.env.VITE_API_URL;
    else process.env.VITE_API_URL = previous;
  }
  return outDir;
}
