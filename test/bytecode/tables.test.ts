import { describe, expect, it } from 'vitest';
import { BUILTINS } from '../../stdlib/builtins.js';
import { CUSTOMER_METHODS } from '../../stdlib/customer.js';
import { BUILTIN_TABLE, METHOD_TABLE, OP_NAMES, OPERANDS } from '../../compiler/bytecode/format.js';

const ARITY: Record<string, number> = { exists: 1, string: 1, contains: 2, number: 1, minmax: 2, clock: 0, datePart: 1 };
const HELPERS = new Set(['predicate', 'count', 'sum']);

describe('bytecode tables', () => {
  it('give every builtin function of stdlib a CALL index with its arity', () => {
    for (const b of BUILTINS) {
      if (HELPERS.has(b.kind)) continue;
      expect(ARITY[b.kind], `arity of builtin kind ${b.kind}`).toBeDefined();
      expect(BUILTIN_TABLE.find((x) => x.name === b.name), `${b.name} needs a BUILTIN_TABLE entry (append it)`).toEqual({ name: b.name, arity: ARITY[b.kind] });
    }
    expect(new Set(BUILTIN_TABLE.map((b) => b.name)).size).toBe(BUILTIN_TABLE.length);
  });

  it('give every customer method a METHOD index with its parameters', () => {
    for (const m of CUSTOMER_METHODS) {
      const entry = METHOD_TABLE.find((x) => x.name === m.name);
      expect(entry, `${m.name} needs a METHOD_TABLE entry (append it)`).toBeDefined();
      expect(entry!.params).toEqual(m.params.map((p) => p.name));
      expect(entry!.maxArgs).toBe(m.params.length);
      expect(entry!.minArgs).toBe(m.params.filter((p) => !p.optional).length);
    }
  });

  it('describe the operands of every opcode', () => {
    for (const name of Object.values(OP_NAMES)) expect(OPERANDS[name]).toBeDefined();
  });
});
