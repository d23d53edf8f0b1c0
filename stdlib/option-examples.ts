/** An example value for an option type: in error messages ("write X(status: ...)") and in the docs. */
import type { OptionType } from './catalog-types.js';

/** `ref` shows how to write the name of a manifest entry (a placeholder in quotes by default). */
export function exampleOptionValue(t: OptionType, ref: (t: Extract<OptionType, { kind: 'ref' }>) => string = () => '"..."'): string {
  switch (t.kind) {
    case 'enum':
      return t.values[0] ?? '...';
    case 'string':
      return '"shipped"';
    case 'ref':
      return ref(t);
    case 'number':
      return String(t.min ?? 1);
    case 'boolean':
      return 'true';
    case 'threshold':
      return '10%';
    case 'duration':
      return '2h';
    case 'list':
      return `[${exampleOptionValue(t.of, ref)}]`;
  }
}
