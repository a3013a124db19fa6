#!/usr/bin/env node
// Writes man/tenantctl.1 from the built CLI's commands (src/cli/man.ts): `npm run man` after
// changing a command, a flag or an example. test/unit/help.test.ts fails while the committed page
// differs from what the code says.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../dist/cli/program.js';
import { manPage } from '../dist/cli/man.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(path.join(root, 'man'), { recursive: true });
writeFileSync(path.join(root, 'man', 'tenantctl.1'), manPage(buildProgram()));
console.log('wrote man/tenantctl.1');
