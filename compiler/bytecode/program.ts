/**
 * A flow program: the in-memory form of a .flowb file, with every reference an index (constants,
 * code chunks, blocks). The emitter builds it from a FlowGraph, the encoder writes it, the verifier
 * reads it back (identically) and the VM runs it.
 */
import type { BlockKindName } from './format.js';

export type Constant =
  | { tag: 'string'; value: string }
  | { tag: 'number'; value: number }
  | { tag: 'true' }
  | { tag: 'false' }
  | { tag: 'null' }
  | { tag: 'duration'; ms: number }
  /** `2026-12-01`: midnight in the flow's time zone */
  | { tag: 'date'; raw: string }
  /** `2026-12-01T10:00[:00][Z|±hh:mm]`: without an offset, in the flow's time zone */
  | { tag: 'datetime'; raw: string }
  /** minutes after midnight */
  | { tag: 'time'; minutes: number }
  | { tag: 'percent'; value: number };

/** A trigger option: its name and value, as constant indexes (a list option: several). */
export interface ProgramOption {
  name: number;
  value: { k: number } | { list: number[] };
}

export interface ProgramEventRef {
  event: number;
  options: ProgramOption[];
}

export interface ProgramExit extends ProgramEventRef {
  /** Code chunk, or null. */
  where: number | null;
}

export interface ProgramFlow {
  id: number;
  title: number | null;
  entry: { mode: 'always' | 'once' | 'every'; periodMs: number };
  relevanceMs: number;
  /** Epoch ms, or null for an open end. */
  activeFrom: number | null;
  activeUntil: number | null;
  timezone: number;
  brand: number | null;
  /** The folder's segment restriction, or null. */
  segment: number | null;
  entryBlock: number;
  exits: ProgramExit[];
}

export type ProgramTrigger =
  | ({ kind: 'event'; when: number | null } & ProgramEventRef)
  | {
      kind: 'schedule';
      /** `every 6h` / days of the week (bit 0 = Monday) / days of the month (0 = the last). */
      every: { intervalMs: number } | { weekdays: number } | { monthDays: number[] };
      /** Minutes after midnight. */
      times: number[];
      segment: number | null;
    };

export type ProgramAction =
  | { kind: 'send'; channel: number; template: number; params: Array<{ key: number; value: number }> }
  | { kind: 'webhook'; method: number; url: number; body: Array<{ key: number; value: number }> }
  | { kind: 'promo'; pool: number }
  | { kind: 'points'; amount: number; account: number; expiresMs: number | null }
  | { kind: 'set'; field: number; value: number }
  | { kind: 'segment_add'; segment: number }
  | { kind: 'segment_remove'; segment: number };

/** A context path a waiting customer keeps: `path` a string constant, `source` null (the trigger) or a wait_event block. */
export interface ProgramKeep {
  source: number | null;
  path: number;
}

export type ProgramBlockBody =
  | { kind: 'steps'; title: number | null; relevanceMs: number; actions: ProgramAction[]; next: number }
  | { kind: 'wait_fixed'; durationMs: number; keeps: ProgramKeep[]; next: number }
  | { kind: 'wait_until'; at: number; otherwise: { kind: 'none' } | { kind: 'stop' } | { kind: 'wait'; ms: number }; keeps: ProgramKeep[]; next: number }
  | { kind: 'wait_within'; durationMs: number; days: number; from: number; to: number; keeps: ProgramKeep[]; next: number }
  | { kind: 'wait_event'; event: number; options: ProgramOption[]; where: number | null; timeoutMs: number; keeps: ProgramKeep[]; onEvent: number; onTimeout: number }
  | { kind: 'if'; branches: Array<{ cond: number; next: number }>; else: number; hasElse: boolean }
  | { kind: 'split'; variants: Array<{ name: number; title: number | null; percent: number; next: number }>; controlNext: number }
  | { kind: 'parallel'; branches: Array<{ label: number | null; next: number }>; join: number }
  | { kind: 'join'; parallel: number; keeps: ProgramKeep[]; next: number }
  | { kind: 'limit'; budget: number | null; count: number; period: { unit: 'hour' | 'day' | 'week' | 'month' } | { ms: number }; next: number; else: number; hasElse: boolean }
  | { kind: 'stop' }
  | { kind: 'end' };

export type ProgramBlock = { id: number } & ProgramBlockBody;

export interface Program {
  compilerVersion: string;
  constants: Constant[];
  /** Expression code chunks (see OP in format.ts); each leaves one value. */
  code: Uint8Array[];
  flow: ProgramFlow;
  triggers: ProgramTrigger[];
  blocks: ProgramBlock[];
}

/** What the verifier returns: the program, and what the header said. */
export interface VerifiedProgram extends Program {
  formatVersion: number;
  /** SHA-256 of everything after the header, hex: the flow version's identity. */
  hash: string;
  /** Per code chunk: where it starts in the file, the deepest its stack gets, and whether it reads `it` (a helper body). */
  codeInfo: Array<{ offset: number; maxStack: number; usesIt: boolean }>;
}

export type { BlockKindName };

/** The blocks a block leads to (as indexes), in a fixed order. */
export function programSuccessors(b: ProgramBlockBody): number[] {
  switch (b.kind) {
    case 'steps':
    case 'wait_fixed':
    case 'wait_until':
    case 'wait_within':
    case 'join':
      return [b.next];
    case 'wait_event':
      return [b.onEvent, b.onTimeout];
    case 'if':
      return [...b.branches.map((x) => x.next), b.else];
    case 'split':
      return [...b.variants.map((v) => v.next), b.controlNext];
    case 'parallel':
      return [...b.branches.map((x) => x.next), b.join];
    case 'limit':
      return [b.next, b.else];
    case 'stop':
    case 'end':
      return [];
  }
}
