/** A field of a flat [name, value, name, value...] reply: a Redis Stream entry's fields, an XINFO record. */
export function streamField<T>(fields: readonly T[], name: string): T | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
