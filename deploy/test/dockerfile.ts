/** A Dockerfile read as its instructions, grouped by build stage: enough to check the image's invariants. */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  /** The FROM line's image and optional `AS name`. */
  from: string;
  name?: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') {
      const [from = '', , name] = instruction.args.replace(/--platform=\S+\s*/, '').split(' ');
      stages.push({ from, name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** The exec form's arguments (`["node", "x.js"]`), or the shell form as one string. */
export function execArgs(args: string): string[] {
  return args.trim().startsWith('[') ? (JSON.parse(args) as string[]) : [args];
}

/**
 * Whether `.dockerignore` keeps `file` (a path relative to the context) out of the build context: the last pattern
 * that matches the file or one of its parent folders wins, `!` re-includes, `**` spans folders (Docker's rules).
 */
export function isIgnored(dockerignore: string, file: string): boolean {
  const patterns = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const prefixes = file.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const regex = patternRegex(negated ? pattern.slice(1) : pattern);
    if (prefixes.some((prefix) => regex.test(prefix))) ignored = !negated;
  }
  return ignored;
}

function patternRegex(pattern: string): RegExp {
  const clean = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  let source = '';
  for (let index = 0; index < clean.length; index += 1) {
    const char = clean[index]!;
    if (clean.startsWith('**/', index)) {
      source += '(?:.*/)?';
      index += 2;
    } else if (clean.startsWith('**', index)) {
      source += '.*';
      index += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
