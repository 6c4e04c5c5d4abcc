import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Tests are no input of a build: editing one must not rebuild anything. */
const NOT_AN_INPUT = /\.(spec|test)\.ts$/;

/**
 * The files under `inputs` (folders or files, relative to `root`), sorted; a listed path that does not exist is
 * skipped (its later creation changes the hash).
 */
export async function listInputFiles(root: string, inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  async function visit(relative: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') files.push(relative);
      else if (code !== 'ENOENT') throw error;
      return;
    }
    await Promise.all(
      entries
        .filter((entry) => entry.name !== 'node_modules' && !NOT_AN_INPUT.test(entry.name))
        .map((entry) =>
          entry.isDirectory() ? visit(path.join(relative, entry.name)) : files.push(path.join(relative, entry.name)),
        ),
    );
  }
  await Promise.all(inputs.map(visit));
  return [...new Set(files)].sort();
}

/**
 * One hash of the names and contents of the files under `inputs`, and of `extra` (settings baked into the output).
 * Contents, not modification times: a checkout or a `git stash` round trip that restores a file restores its hash.
 */
export async function hashInputs(root: string, inputs: readonly string[], extra = ''): Promise<string> {
  const files = await listInputFiles(root, inputs);
  const contents = await Promise.all(files.map((file) => readFile(path.join(root, file))));
  const hash = createHash('sha256').update(extra).update('\0');
  files.forEach((file, index) => hash.update(file).update('\0').update(contents[index]!).update('\0'));
  return hash.digest('hex');
}
