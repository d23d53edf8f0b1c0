/** How each kind of node looks, the same in every output format: its group and colours. */
import type { DiagramNodeKind } from './model.js';

/** Node groups that share a shape and colours. */
export type NodeStyle = 'trigger' | 'exits' | 'steps' | 'wait' | 'decision' | 'parallel' | 'stop' | 'end';

export function styleOf(kind: DiagramNodeKind): NodeStyle {
  switch (kind) {
    case 'trigger':
    case 'exits':
    case 'steps':
    case 'stop':
    case 'end':
      return kind;
    case 'wait_fixed':
    case 'wait_until':
    case 'wait_within':
    case 'wait_event':
      return 'wait';
    case 'if':
    case 'split':
    case 'limit':
      return 'decision';
    case 'parallel':
    case 'join':
      return 'parallel';
  }
}

export const COLORS: Readonly<Record<NodeStyle, { fill: string; stroke: string }>> = {
  trigger: { fill: '#e0ecff', stroke: '#3569c8' },
  exits: { fill: '#fdecec', stroke: '#c0392b' },
  steps: { fill: '#ffffff', stroke: '#4a5568' },
  wait: { fill: '#fff6dd', stroke: '#b7791f' },
  decision: { fill: '#efe7fb', stroke: '#6b46c1' },
  parallel: { fill: '#e6f6ef', stroke: '#2f855a' },
  stop: { fill: '#f1f1f1', stroke: '#4a5568' },
  end: { fill: '#f1f1f1', stroke: '#4a5568' },
};

/** The order the styles are declared in (mermaid classDefs, legends). */
export const STYLE_ORDER: readonly NodeStyle[] = ['trigger', 'exits', 'steps', 'wait', 'decision', 'parallel', 'stop', 'end'];
