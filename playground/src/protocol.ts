/**
 * The messages between the page and the compiler worker. Plain data (structured clone): spans are
 * UTF-16 offsets into the text the worker was sent, as the compiler reports them.
 *
 * The editor's questions (completion, hover, codeActions, format) are answered by the language
 * services of compiler/services, in their own shapes (plain data made to cross this boundary);
 * the quick fixes of runnel.json are the compiler's own (checkProject's fixes), in the same shape.
 */
import type { CodeAction, CompletionItem, EditorProject, Hover, ProjectFile, Range } from '../../compiler/services/types.js';

export type { TextEdit } from '../../compiler/services/types.js';
export type SourceText = ProjectFile;
/** What the services take: runnel.json (or none) and the .flow files. */
export type ServiceProject = EditorProject;
export type OffsetRange = Range;
export type CompletionEntry = CompletionItem;
export type HoverInfo = Hover;
export type CodeActionInfo = CodeAction;

export interface PlaygroundDiagnostic {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  start: number;
  end: number;
  label?: string;
  notes: string[];
  help?: string;
}


/** A block of a drawn flow and where it is written (for "the block under the cursor"). */
export interface BlockSpan {
  flow: string;
  block: string;
  start: number;
  end: number;
}

export interface TimelineEntry {
  at: string;
  flow: string;
  kind: 'entered' | 'step' | 'effect' | 'not_entered' | 'status';
  text: string;
  status?: string;
  reason?: string;
}

export interface CustomerTimeline {
  customer: string;
  entries: TimelineEntry[];
  /** Per flow instance: the final status and reason (seed 000's activity statuses). */
  instances: Array<{ flow: string; status: string; reason: string; message?: string; waitingUntil?: string | null; enteredAt: string }>;
}

export interface SimulationSummary {
  customers: CustomerTimeline[];
  effects: Array<Record<string, unknown>>;
  notEntered: Array<Record<string, unknown>>;
  /** flow → block → how many customers passed through it. */
  counters: Record<string, Record<string, number>>;
  /** The CLI's text timeline (formatTimeline), as `runnel simulate` prints it. */
  text: string;
  errors: string[];
  warnings: string[];
  /** Files left out because they have errors. */
  skipped: string[];
  flows: string[];
  ms: number;
}

export interface LineProblem {
  line: number;
  message: string;
}

export type Request =
  | { type: 'update'; version: number; path: string; project: ServiceProject }
  | { type: 'completion'; path: string; offset: number }
  | { type: 'hover'; path: string; offset: number }
  | { type: 'codeActions'; path: string; range: OffsetRange }
  | { type: 'format'; path: string; text: string }
  | { type: 'graph'; path: string; project: ServiceProject }
  | { type: 'simulate'; project: ServiceProject; events: string; customers: string; until?: string }
  | { type: 'validateLines'; kind: 'events' | 'customers'; text: string }
  | { type: 'generate'; customers: number; seed: number };

export type Response =
  | {
      type: 'diagnostics';
      version: number;
      path: string;
      byPath: Record<string, PlaygroundDiagnostic[]>;
      ms: number;
      /** When the worker took the request and when it answered (epoch ms, for the benchmark's breakdown). */
      received: number;
      answered: number;
    }
  | { type: 'completion'; items: CompletionEntry[] }
  | { type: 'hover'; hover: HoverInfo | null }
  | { type: 'codeActions'; actions: CodeActionInfo[] }
  | { type: 'format'; text?: string; error?: string }
  | { type: 'graph'; path: string; svg?: string; blocks: BlockSpan[]; error?: string; flows: string[] }
  | { type: 'simulate'; result: SimulationSummary }
  | { type: 'validateLines'; problems: LineProblem[] }
  | { type: 'generate'; events: string; customers: string; until: string };

/** A request with the id its answer carries. */
export interface Envelope<T> {
  id: number;
  body: T;
}
