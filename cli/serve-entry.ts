// Entry point of dist/serve.mjs: `runnel serve`, bundled apart (see cli/commands/serve.ts).
export { runServe } from './commands/serve.js';
