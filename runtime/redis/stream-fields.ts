import type { RedisConnection } from './client.js';

/** A field of a flat [name, value, name, value...] reply: a Redis Stream entry's fields, an XINFO record. */
export function streamField<T>(fields: readonly T[], name: string): T | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/**
 * Creates a stream's consumer group reading from its start (entries added before any consumer
 * read are delivered too), and the stream if need be; a group that exists already is fine.
 */
export async function ensureGroup(conn: RedisConnection, stream: string, group: string): Promise<void> {
  try {
    await conn.send(stream, ['XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM']);
  } catch (e) {
    if (!(e instanceof Error && e.message.includes('BUSYGROUP'))) throw e;
  }
}
