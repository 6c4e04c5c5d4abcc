import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root (/app in the image). This file is two levels below it, and so is every bundle that includes it
 * (`<package>/dist/<entry>.js`, see scripts/build/targets.ts): the same `../..` holds under tsx and bundled. Files that
 * ship beside the code (prisma/migrations, .data/) are found from here, never from their importing module's place,
 * which a bundle moves.
 */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
