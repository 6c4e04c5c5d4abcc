import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../image/assemble.ts';
import { execArgs, parseDockerfile } from './dockerfile.ts';

/** docker-compose.yml and the Dockerfile as the tests read them: what each service runs, from the files themselves. */

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  env_file?: string | (string | { path: string; required?: boolean })[];
  profiles?: string[];
  restart?: string;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { disable?: boolean; test?: unknown };
}

export const readRepoFile = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

export const compose = parse(readRepoFile('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
export const composeServices = compose.services;

/** The image's default command: the last CMD of the Dockerfile's last stage. */
export const imageCommand = execArgs(
  parseDockerfile(readRepoFile('Dockerfile'))
    .at(-1)!
    .instructions.filter((instruction) => instruction.keyword === 'CMD')
    .at(-1)?.args ?? '[]',
);

/** What a compose service runs: its own command, else the image's. */
export const commandOf = (service: ComposeService) =>
  service.command === undefined ? imageCommand : execArgs(JSON.stringify([service.command].flat()));
