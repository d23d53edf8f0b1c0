/** Every .flow file in the repository (examples, conformance cases, format cases...). */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');

export function repoFlowFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.flow')) out.push(p);
    }
  };
  for (const top of ['examples', 'test', 'docs']) {
    try {
      walk(join(REPO, top));
    } catch {
      /* folder not there yet */
    }
  }
  return out;
}
