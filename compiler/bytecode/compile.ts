/**
 * Source to bytecode: checked flows → FlowGraph → Program → .flowb bytes, verified before they are
 * handed out (the compiler never writes bytecode its own verifier would refuse).
 */
import type { ProjectResult } from '../project.js';
import { folderSegment, lowerFlow } from '../lower/lower.js';
import type { FlowGraph } from '../lower/graph.js';
import { emitProgram, EmitError } from './emit.js';
import { LowerError } from '../lower/expr.js';
import { encodeProgram } from './encode.js';
import { verifyFlow, VerifyError } from './verify.js';

export interface CompiledFlow {
  id: string;
  /** The source file's path as given to checkProject. */
  path: string;
  graph: FlowGraph;
  bytes: Uint8Array;
  /** SHA-256 of the content (hex): the version's identity. */
  hash: string;
}

/** Encodes a flow graph and verifies the result. */
export function compileGraph(graph: FlowGraph): { bytes: Uint8Array; hash: string } {
  const bytes = encodeProgram(emitProgram(graph));
  try {
    return { bytes, hash: verifyFlow(bytes).hash };
  } catch (e) {
    // A limit of the format (a list literal longer than the stack, say) or a compiler bug.
    if (e instanceof VerifyError) throw new EmitError(`its bytecode does not verify: ${e.message}`);
    throw e;
  }
}

/** A flow that checked without errors but cannot be compiled (a gap in the checker). */
export class CompileError extends Error {
  constructor(
    readonly path: string,
    readonly flowId: string,
    readonly reason: string,
  ) {
    super(`${path}: flow ${flowId}: cannot compile: ${reason}`);
  }
}

export interface CompileProjectOptions {
  /** Which files to compile (default: all). */
  include?: (path: string) => boolean;
  /** A file's path relative to the project root, `/`-separated (for runnel.json's `folders`). */
  relativePath?: (path: string) => string | undefined;
}

/**
 * Compiles the flows of a checked project. The caller makes sure the files it includes have no
 * errors; a flow that still cannot be compiled throws a CompileError.
 */
export function compileProject(project: ProjectResult, options: CompileProjectOptions = {}): CompiledFlow[] {
  const out: CompiledFlow[] = [];
  for (const f of project.files) {
    if (options.include && !options.include(f.path)) continue;
    const rel = options.relativePath?.(f.path);
    const segment = rel !== undefined ? folderSegment(project.manifest, rel) : undefined;
    for (const flow of f.parse.ast.flows) {
      try {
        const graph = lowerFlow(flow, { manifest: project.manifest, ...(segment ? { segment } : {}) });
        const { bytes, hash } = compileGraph(graph);
        out.push({ id: graph.id, path: f.path, graph, bytes, hash });
      } catch (e) {
        if (e instanceof LowerError || e instanceof EmitError) throw new CompileError(f.path, flow.name.name, e.message);
        throw e;
      }
    }
  }
  return out;
}
