import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, RUNTIME_FILES } from '../image/assemble.ts';

/**
 * The script a `node …` command runs, checked against the build's contract: `<package>/dist/<name>.js` bundled from
 * `<package>/src/<name>.ts`, inside a folder the image holds, and present once `pnpm build` has run here.
 */
export function builtEntry(command: readonly string[]): string {
  const script = command.find((arg) => arg.endsWith('.js'));
  if (!script) throw new Error(`\`${command.join(' ')}\` runs no script`);
  const [, folder, name] = /^([\w-]+)\/dist\/([\w-]+)\.js$/.exec(script) ?? [];
  if (!folder || !name) throw new Error(`${script} is not a <package>/dist/<name>.js bundle`);
  if (!(RUNTIME_FILES as readonly string[]).includes(`${folder}/dist`)) {
    throw new Error(`${folder}/dist is not in the image (RUNTIME_FILES of deploy/image/assemble.ts)`);
  }
  if (!existsSync(path.join(REPO_ROOT, folder, 'src', `${name}.ts`))) {
    throw new Error(`${script} has no source ${folder}/src/${name}.ts to be built from`);
  }
  if (existsSync(path.join(REPO_ROOT, folder, 'dist')) && !existsSync(path.join(REPO_ROOT, script))) {
    throw new Error(`${script} is missing although ${folder}/dist exists: \`pnpm build\` does not produce it`);
  }
  return script;
}
