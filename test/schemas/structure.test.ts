import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allSchemas, contextSchemas, eventSchema, type JsonSchema } from '../../schemas/index.js';

const contextDir = fileURLToPath(new URL('../../schemas/context/', import.meta.url));

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every subschema, with its JSON pointer. */
function* walk(node: unknown, pointer = ''): Generator<[string, Node]> {
  if (!isNode(node)) return;
  yield [pointer, node];
  for (const [key, child] of Object.entries(node)) {
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples') continue;
    if (key === 'properties' || key === 'definitions') {
      for (const [name, sub] of Object.entries(child as Node)) yield* walk(sub, `${pointer}/${key}/${name}`);
    } else if (Array.isArray(child)) {
      for (const [i, sub] of child.entries()) yield* walk(sub, `${pointer}/${key}/${i}`);
    } else if (isNode(child)) {
      yield* walk(child, `${pointer}/${key}`);
    }
  }
}

function title(schema: JsonSchema): string {
  return String(schema.title);
}

describe('schema files', () => {
  it('every file under schemas/context/ is exported by contextSchemas, and only those', () => {
    const files = readdirSync(contextDir)
      .filter((f) => f.endsWith('.schema.json'))
      .map((f) => f.replace(/\.schema\.json$/, ''))
      .sort();
    expect(Object.keys(contextSchemas).sort()).toEqual(files);
  });

  it('each context schema has the $id, title and description of its name', () => {
    for (const [name, schema] of Object.entries(contextSchemas)) {
      expect(schema.$id).toBe(`https://schemas.runnel.dev/context/${name}.schema.json`);
      expect(schema.title).toBe(name);
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(typeof schema.description).toBe('string');
    }
  });

  it('every property of every schema has a description', () => {
    const missing: string[] = [];
    for (const schema of allSchemas) {
      for (const [pointer, node] of walk(schema)) {
        const isProperty = /\/(properties|definitions)\/[^/]+$/.test(pointer);
        const isValueSchema = /\/additionalProperties$/.test(pointer) && isNode(node.properties);
        if ((isProperty || isValueSchema || pointer === '') && !/\/(if|then|else)(\/|$)/.test(pointer)) {
          if (typeof node.description !== 'string' || node.description.trim() === '') {
            missing.push(`${title(schema)}#${pointer}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('the types that carry custom fields have an open `fields` object', () => {
    for (const name of ['Customer', 'Order', 'OrderItem', 'Product', 'CustomerAction'] as const) {
      const fields = (contextSchemas[name].properties as Node).fields as Node;
      expect(fields, name).toMatchObject({ type: 'object', additionalProperties: true });
      expect(fields.description).toBe('Custom fields declared in runnel.json');
    }
  });

  it('every required property is declared', () => {
    for (const schema of allSchemas) {
      for (const [pointer, node] of walk(schema)) {
        if (!Array.isArray(node.required) || !isNode(node.properties)) continue;
        for (const name of node.required as string[]) {
          expect(Object.keys(node.properties), `${title(schema)}#${pointer} requires ${name}`).toContain(name);
        }
      }
    }
  });

  it('all $refs are relative', () => {
    for (const schema of allSchemas) {
      for (const [pointer, node] of walk(schema)) {
        if (typeof node.$ref === 'string') {
          expect(node.$ref, `${title(schema)}#${pointer}`).not.toMatch(/^[a-z]+:/i);
        }
      }
    }
  });

  it("the event's profile update has every Customer property", () => {
    const profile = ((eventSchema.definitions as Node).ProfileUpdate as Node).properties as Node;
    const customer = contextSchemas.Customer.properties as Node;
    expect(Object.keys(profile).sort()).toEqual(Object.keys(customer).sort());
    expect((profile.fields as Node).$ref).toBe('context/Customer.schema.json#/properties/fields');
  });

  it('the event binds each context name to the matching type', () => {
    const props = eventSchema.properties as Record<string, Node>;
    const refs = Object.fromEntries(
      Object.entries(props)
        .filter(([, p]) => typeof p.$ref === 'string' && String(p.$ref).startsWith('context/'))
        .map(([k, p]) => [k, String(p.$ref).replace(/^context\/|\.schema\.json$/g, '')]),
    );
    expect(refs).toEqual({
      order: 'Order',
      product: 'Product',
      action: 'CustomerAction',
      view: 'ProductView',
      session: 'Session',
      promo: 'PromoCode',
      balance: 'CustomerBalanceChange',
      card: 'DiscountCardInfo',
      params: 'CustomParameters',
    });
    expect(props.item).toMatchObject({ type: 'object', additionalProperties: true });
  });
});

describe('schemas against the JSON Schema meta-schema', () => {
  it('every schema is a valid draft-07 schema (checked here, not at every start)', async () => {
    const { createValidator, allSchemas } = await import('../../schemas/index.js');
    const ajv = createValidator({ checkSchemas: true });
    for (const schema of allSchemas) expect(ajv.validateSchema(schema as object), JSON.stringify(ajv.errors)).toBe(true);
  });
});
