// Picks what bin/tenantctl runs: the bundle (dist/bundle, made by `npm run build` after tsc;
// ~40 ms faster to start) unless `tsc` alone (an editor, `tsc -w`) has compiled dist/cli since,
// in which case the bundle is stale and the compiled modules are run instead.
import { statSync } from 'node:fs';

const mtime = (rel) => {
  try {
    return statSync(new URL(rel, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const bundle = mtime('../dist/bundle/main.js');
const entry =
  bundle >= 0 && bundle >= mtime('../dist/cli/main.js')
    ? '../dist/bundle/main.js'
    : '../dist/cli/main.js';
const { main } = await import(entry);
await main(process.argv);
