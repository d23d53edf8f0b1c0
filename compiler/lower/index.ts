/** Checked AST → flow graph (see graph.ts). */
export * from './graph.js';
export { lowerFlow, folderSegment, DEFAULT_RELEVANCE_MS, DEFAULT_TIMEZONE, type LowerOptions } from './lower.js';
export { blockIds, hashId, type BlockIds } from './ids.js';
export { LowerError } from './expr.js';
export { literalToEpoch, zonedToEpoch, zoneOffset, timeMinutes, formatMinutes, WEEKDAY_NAMES } from '../time.js';
