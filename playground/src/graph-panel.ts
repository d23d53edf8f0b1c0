/**
 * The flow beside the text: compiler/draw's SVG (the drawing of `runnel graph`), the block under
 * the cursor highlighted through the nodes' `data-block`, and after a simulation how many
 * customers went through each block.
 */
import type { BlockSpan } from './protocol.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

export class GraphPanel {
  private blocks: BlockSpan[] = [];
  private path = '';
  private highlighted: string | undefined;
  private counters: Record<string, Record<string, number>> = {};
  /** Called with (flow, block) when a node is clicked. */
  onSelect: ((flow: string, block: string) => void) | undefined;

  constructor(
    private readonly host: HTMLElement,
    private readonly note: HTMLElement,
  ) {
    host.addEventListener('click', (e) => {
      const node = (e.target as Element).closest('g.runnel-node[data-block]');
      const flow = node?.closest('g.runnel-flow')?.getAttribute('data-flow');
      const block = node?.getAttribute('data-block');
      if (flow && block) this.onSelect?.(flow, block);
    });
  }

  /** A new drawing (or why there is none: the last drawing stays, dimmed). */
  show(path: string, svg: string | undefined, blocks: BlockSpan[], error: string | undefined): void {
    if (svg !== undefined) {
      this.host.innerHTML = svg;
      this.host.classList.remove('stale');
      this.blocks = blocks;
      this.path = path;
      this.highlighted = undefined;
      this.drawCounters();
    } else if (path !== this.path) {
      this.host.innerHTML = '';
      this.blocks = [];
      this.path = path;
    } else this.host.classList.add('stale');
    this.note.textContent = error ?? '';
    this.note.hidden = !error;
  }

  /** The innermost block whose text contains the offset, highlighted. */
  cursor(path: string, offset: number): string | undefined {
    if (path !== this.path) return undefined;
    let best: BlockSpan | undefined;
    for (const b of this.blocks) if (offset >= b.start && offset <= b.end && (!best || b.end - b.start < best.end - best.start)) best = b;
    const key = best ? `${best.flow}\u0000${best.block}` : undefined;
    if (key === this.highlighted) return best?.block;
    this.host.querySelectorAll('g.runnel-node.current').forEach((n) => n.classList.remove('current'));
    this.highlighted = key;
    if (best) {
      const node = this.node(best.flow, best.block);
      node?.classList.add('current');
      if (node) this.bringIntoView(node);
    }
    return best?.block;
  }

  /** Scrolls the panel (only it, never the page) so that the node is in sight. */
  private bringIntoView(node: Element): void {
    const panel = this.host.parentElement;
    if (!panel || panel.offsetParent === null) return;
    const p = panel.getBoundingClientRect();
    const n = node.getBoundingClientRect();
    if (n.top < p.top || n.bottom > p.bottom) panel.scrollTop += n.top - p.top - (p.height - n.height) / 2;
    if (n.left < p.left || n.right > p.right) panel.scrollLeft += n.left - p.left - (p.width - n.width) / 2;
  }

  blockSpan(flow: string, block: string): BlockSpan | undefined {
    return this.blocks.find((b) => b.flow === flow && b.block === block);
  }

  private node(flow: string, block: string): Element | null {
    const f = [...this.host.querySelectorAll('g.runnel-flow')].find((g) => g.getAttribute('data-flow') === flow);
    return f ? ([...f.querySelectorAll('g.runnel-node[data-block]')].find((n) => n.getAttribute('data-block') === block) ?? null) : null;
  }

  /** flow → block → customers; drawn as a badge on each node. */
  setCounters(counters: Record<string, Record<string, number>>): void {
    this.counters = counters;
    this.drawCounters();
  }

  private drawCounters(): void {
    this.host.querySelectorAll('g.runnel-counter').forEach((n) => n.remove());
    for (const [flow, blocks] of Object.entries(this.counters)) {
      for (const [block, n] of Object.entries(blocks)) {
        const node = this.node(flow, block);
        const rect = node?.querySelector('rect');
        if (!node || !rect) continue;
        const x = Number(rect.getAttribute('x')) + Number(rect.getAttribute('width'));
        const y = Number(rect.getAttribute('y'));
        const label = String(n);
        const w = 10 + label.length * 7;
        const g = document.createElementNS(SVG_NS, 'g');
        g.setAttribute('class', 'runnel-counter');
        g.setAttribute('data-count', label);
        const badge = document.createElementNS(SVG_NS, 'rect');
        badge.setAttribute('x', String(x - w + 6));
        badge.setAttribute('y', String(y - 8));
        badge.setAttribute('width', String(w));
        badge.setAttribute('height', '16');
        badge.setAttribute('rx', '8');
        const text = document.createElementNS(SVG_NS, 'text');
        text.setAttribute('x', String(x - w / 2 + 6));
        text.setAttribute('y', String(y + 4));
        text.setAttribute('text-anchor', 'middle');
        text.textContent = label;
        const title = document.createElementNS(SVG_NS, 'title');
        title.textContent = `${label} customer${n === 1 ? '' : 's'} reached ${block}`;
        g.append(title, badge, text);
        node.append(g);
      }
    }
  }
}
