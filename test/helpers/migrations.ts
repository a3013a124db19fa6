import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A temporary tenant migrations directory, editable by tests. */
export function migrationsDir(files: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tctl-mig-'));
  const api = {
    dir,
    write(name: string, sql: string) {
      writeFileSync(path.join(dir, name), sql);
      return api;
    },
    remove(name: string) {
      rmSync(path.join(dir, name));
      return api;
    },
  };
  for (const [n, s] of Object.entries(files)) api.write(n, s);
  return api;
}
