/** Checks `Event(option: value, ...)` against the catalog entry of the event. */
import type * as A from '../ast.js';
import type { EventDef, EventOption, OptionType } from '../../stdlib/catalog-types.js';
import type { CheckContext } from './check-context.js';
import { exampleOptionValue } from '../../stdlib/option-examples.js';
import { checkManifestRef } from './manifest-refs.js';
import { suggest, didYouMean } from '../suggest.js';
import { T } from '../../stdlib/types.js';

export function checkOptions(ctx: CheckContext, ref: A.EventRef, def: EventDef): void {
  const d = ctx.diagnostics;
  const seen = new Map<string, A.OptionArg>();
  // Options that a misspelt option probably meant: not reported again as missing.
  const meant = new Set<string>();
  for (const arg of ref.options) {
    const name = arg.name.name;
    const opt = def.options.find((o) => o.name === name);
    if (!opt) {
      if (!name) continue;
      const options = suggest(name, def.options.map((o) => o.name));
      if (options.length === 1) meant.add(options[0]!);
      const help = didYouMean(options);
      d.report('RN0202', arg.name.span, `${def.name} has no option \`${name}\``, {
        label: 'unknown option',
        notes: [def.options.length ? `options of ${def.name}: ${def.options.map((o) => o.name).join(', ')}` : `${def.name} takes no options`],
        ...(help ? { help } : {}),
        fixes: options.length ? [{ message: `replace with \`${options[0]}\``, span: arg.name.span, replacement: options[0]! }] : [],
      });
      continue;
    }
    const prev = seen.get(name);
    if (prev) {
      d.report('RN0217', arg.span, `option \`${name}\` is given twice`, { notes: ['the first one is kept'], help: 'remove one of them' });
      continue;
    }
    seen.set(name, arg);
    checkValue(ctx, def, opt, opt.type, arg.value);
    ctx.types.set(arg.value.id, T.any);
  }
  for (const opt of def.options) {
    if (opt.required && !seen.has(opt.name) && !meant.has(opt.name)) {
      d.report('RN0216', ref.name.span, `${def.name} needs the option \`${opt.name}\``, {
        label: `${opt.name} missing`,
        notes: [opt.doc],
        help: ref.options.length > 0 ? `add \`${opt.name}: ${exampleOptionValue(opt.type)}\` between the parentheses` : `write ${def.name}(${opt.name}: ${exampleOptionValue(opt.type)})`,
      });
    }
  }
}

function describe(t: OptionType): string {
  switch (t.kind) {
    case 'enum':
      return `one of ${t.values.join(', ')}`;
    case 'string':
      return 'a string';
    case 'ref':
      return `the name of a ${t.ref.replace(/([A-Z])/g, ' $1').toLowerCase()} in quotes`;
    case 'number': {
      const range =
        t.min !== undefined && t.max !== undefined ? ` from ${t.min} to ${t.max}` : t.min !== undefined ? ` of at least ${t.min}` : t.max !== undefined ? ` of at most ${t.max}` : '';
      return (t.integer ? 'a whole number' : 'a number') + range;
    }
    case 'boolean':
      return 'true or false';
    case 'threshold':
      return 'a percentage (10%) or an amount (5.00)';
    case 'duration':
      return 'a duration (like 2h or 3d)';
    case 'list':
      return `a list of ${describe(t.of).replace(/^an? /, '')}s, like [${exampleOptionValue(t.of)}]`;
  }
}

function checkValue(ctx: CheckContext, def: EventDef, opt: EventOption, t: OptionType, v: A.Expr): void {
  const d = ctx.diagnostics;
  const bad = (help?: string) =>
    d.report('RN0305', v.span, `\`${opt.name}\` of ${def.name} must be ${describe(t)}`, {
      label: 'invalid value',
      notes: [opt.doc],
      ...(help ? { help } : {}),
    });
  switch (t.kind) {
    case 'list':
      if (v.kind === 'List') {
        if (v.elements.length === 0) bad('an empty list selects nothing: leave the option out instead');
        for (const el of v.elements) checkValue(ctx, def, opt, t.of, el);
      } else checkValue(ctx, def, opt, t.of, v);
      return;
    case 'enum': {
      const word = v.kind === 'Name' ? v.name : v.kind === 'String' ? v.value : undefined;
      if (word === undefined) return void bad();
      if (!t.values.includes(word)) {
        const options = suggest(word, t.values);
        const help = didYouMean(options);
        d.report('RN0305', v.span, `\`${word}\` is not a value of \`${opt.name}\``, {
          label: 'unknown value',
          notes: [`${opt.name} is one of: ${t.values.join(', ')}`],
          ...(help ? { help } : {}),
          fixes: options.length ? [{ message: `replace with \`${options[0]}\``, span: v.span, replacement: options[0]! }] : [],
        });
      }
      return;
    }
    case 'string':
      if (v.kind !== 'String' && v.kind !== 'Name') bad();
      return;
    case 'ref': {
      if (v.kind !== 'String' && v.kind !== 'Name') return void bad();
      const name = v.kind === 'String' ? v.value : v.name;
      checkManifestRef(ctx, t.ref, name, v.span, { ...(t.channel ? { channel: t.channel } : {}), ...(t.also ? { also: t.also } : {}) });
      return;
    }
    case 'number': {
      if (v.kind !== 'Number') return void bad();
      if ((t.integer && !Number.isInteger(v.value)) || (t.min !== undefined && v.value < t.min) || (t.max !== undefined && v.value > t.max)) {
        bad();
      }
      return;
    }
    case 'boolean':
      if (v.kind !== 'Boolean') bad();
      return;
    case 'threshold':
      if (v.kind === 'Percent') {
        if (v.value <= 0 || v.value > 100) bad('a percentage between 0% and 100%');
      } else if (v.kind === 'Number') {
        if (v.value <= 0) bad('the amount must be above 0');
      } else bad();
      return;
    case 'duration':
      if (v.kind !== 'Duration') bad();
      return;
  }
}
