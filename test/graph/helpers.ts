/** Drawing test helpers: the example flows' graphs, and a small XML well-formedness check. */
import { compileShop } from '../bytecode/helpers.js';
import type { FlowGraph } from '../../compiler/lower/graph.js';

let shop: FlowGraph[] | undefined;
/** Every flow of examples/shop, lowered, in id order. */
export function shopGraphs(): FlowGraph[] {
  shop ??= compileShop()
    .map((f) => f.graph)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return shop;
}

/**
 * Throws unless `xml` is one well-formed element: tags balanced and properly nested, attributes
 * quoted and not repeated, `&` only in the five named entities or a numeric one, no `<` in text.
 * Returns how many elements of each name it holds.
 */
export function checkXml(xml: string): Map<string, number> {
  const names = new Map<string, number>();
  const stack: string[] = [];
  let i = 0;
  let roots = 0;
  const text = (s: string, where: number): void => {
    const bad = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(s);
    if (bad) throw new Error(`bare & at ${where + bad.index}`);
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const chunk = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    text(chunk, i);
    if (lt < 0) {
      if (chunk.trim() && stack.length === 0) throw new Error('text after the root element');
      break;
    }
    if (stack.length === 0 && chunk.trim()) throw new Error(`text outside the root element at ${i}`);
    const gt = xml.indexOf('>', lt);
    if (gt < 0) throw new Error(`unclosed tag at ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open ?? 'nothing'}> at ${lt}`);
    } else {
      const selfClosing = tag.endsWith('/');
      const m = /^([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"<]*")*)\s*\/?$/.exec(tag);
      if (!m) throw new Error(`malformed tag <${tag.slice(0, 80)}> at ${lt}`);
      const attrs = [...m[2]!.matchAll(/([A-Za-z_][\w:.-]*)="([^"]*)"/g)];
      const seen = new Set<string>();
      for (const a of attrs) {
        if (seen.has(a[1]!)) throw new Error(`attribute ${a[1]} twice in <${m[1]}> at ${lt}`);
        seen.add(a[1]!);
        text(a[2]!, lt);
      }
      if (stack.length === 0) roots++;
      names.set(m[1]!, (names.get(m[1]!) ?? 0) + 1);
      if (!selfClosing) stack.push(m[1]!);
    }
    i = gt + 1;
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('> <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return names;
}
