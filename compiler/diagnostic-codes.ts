/**
 * Every diagnostic code, once. RN01xx syntax, RN02xx names, RN03xx types, RN04xx structure,
 * RN05xx project and manifest. Never reuse or renumber a code: CI scripts filter on them.
 */
import type { Severity } from './diagnostics.js';

export interface CodeInfo {
  severity: Severity;
  title: string;
}

export const CODES = {
  // Syntax
  RN0101: { severity: 'error', title: 'unexpected character' },
  RN0102: { severity: 'error', title: 'unterminated string' },
  RN0103: { severity: 'error', title: 'unterminated comment' },
  RN0104: { severity: 'error', title: 'unexpected token' },
  RN0105: { severity: 'error', title: 'invalid literal' },
  RN0106: { severity: 'error', title: 'nested too deeply' },
  // Names
  RN0201: { severity: 'error', title: 'unknown event' },
  RN0202: { severity: 'error', title: 'unknown event option' },
  RN0203: { severity: 'error', title: 'unknown field' },
  RN0204: { severity: 'error', title: 'unknown template' },
  RN0205: { severity: 'error', title: 'unknown segment' },
  RN0206: { severity: 'error', title: 'unknown promo-code pool' },
  RN0207: { severity: 'error', title: 'unknown points account' },
  RN0208: { severity: 'error', title: 'context not bound by the trigger' },
  RN0209: { severity: 'error', title: 'unknown name' },
  RN0210: { severity: 'error', title: 'unknown function or method' },
  RN0211: { severity: 'error', title: 'unknown brand' },
  RN0212: { severity: 'error', title: 'unknown name in the manifest' },
  RN0213: { severity: 'error', title: 'unknown channel' },
  RN0214: { severity: 'error', title: 'unknown time zone' },
  RN0215: { severity: 'error', title: 'unknown word' },
  RN0216: { severity: 'error', title: 'missing required option' },
  RN0217: { severity: 'error', title: 'duplicate option' },
  // Types
  RN0301: { severity: 'error', title: 'type mismatch' },
  RN0302: { severity: 'error', title: 'dynamic wait is not a date' },
  RN0303: { severity: 'warning', title: 'dynamic wait value may be missing' },
  RN0304: { severity: 'error', title: 'wrong arguments' },
  RN0305: { severity: 'error', title: 'invalid option value' },
  RN0306: { severity: 'error', title: 'field cannot be set' },
  RN0307: { severity: 'error', title: 'dynamic wait not allowed for this context' },
  // Structure
  RN0401: { severity: 'error', title: 'event data in an entry filter' },
  RN0402: { severity: 'error', title: 'split over 100%' },
  RN0403: { severity: 'warning', title: 'unreachable block' },
  RN0404: { severity: 'error', title: 'duplicate block id' },
  RN0405: { severity: 'error', title: 'flow has no trigger' },
  RN0406: { severity: 'error', title: 'duration out of range' },
  RN0407: { severity: 'error', title: 'date or time out of range' },
  RN0408: { severity: 'error', title: 'setting given twice' },
  RN0409: { severity: 'error', title: 'duplicate flow id' },
  RN0410: { severity: 'error', title: 'scheduled and event triggers mixed' },
  RN0411: { severity: 'warning', title: 'empty block' },
  RN0412: { severity: 'error', title: 'schedule invalid' },
  RN0413: { severity: 'warning', title: 'flow has too many blocks' },
  RN0414: { severity: 'error', title: 'duplicate split variant' },
  RN0415: { severity: 'error', title: 'limit count out of range' },
  RN0416: { severity: 'warning', title: 'condition is always the same' },
  // Project and manifest
  RN0501: { severity: 'error', title: 'invalid manifest' },
  RN0502: { severity: 'error', title: 'manifest is not valid JSON' },
  RN0503: { severity: 'error', title: 'cannot read file' },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof CODES;
export const ALL_CODES = Object.keys(CODES) as DiagnosticCode[];
