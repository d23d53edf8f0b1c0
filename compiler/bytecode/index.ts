/** The .flowb bytecode: emitter, encoder, verifier (= decoder) and disassembler. See docs/bytecode.md. */
export * from './format.js';
export type * from './program.js';
export { programSuccessors } from './program.js';
export { VerifyError } from './bytes.js';
export { emitProgram, EmitError } from './emit.js';
export { encodeProgram } from './encode.js';
export { verifyFlow, decodeFlow } from './verify.js';
export { disassemble, constantText, durationText } from './disasm.js';
export { compileGraph, compileProject, CompileError, type CompiledFlow, type CompileProjectOptions } from './compile.js';
export { sha256, sha256Hex, toHex } from './sha256.js';
export { COMPILER_VERSION, PACKAGE_VERSION } from './version.js';
