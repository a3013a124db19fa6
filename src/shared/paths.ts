import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { readFileSync } from 'node:fs';

/** The installed package's root (dist/core/ is two levels below it). */
export const PACKAGE_ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const BUILTIN_TEMPLATES = path.join(PACKAGE_ROOT, 'templates');
export const CONTROL_MIGRATIONS = path.join(PACKAGE_ROOT, 'migrations');

let version: string | undefined;
export function tenantctlVersion(): string {
  version ??= JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'))
    .version as string;
  return version;
}
