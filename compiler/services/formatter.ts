/** The formatting service: `runnel fmt` for the editor. A file with syntax errors is left alone. */
import { formatSource } from '../format/format-flow.js';
import type { FormatResult, TextEdit } from './types.js';

export interface Formatter {
  /** The formatted text and the edit that produces it; null when the file has syntax errors. */
  formatDocument(text: string, options?: { width?: number }): FormatResult | null;
}

export class DefaultFormatter implements Formatter {
  formatDocument(text: string, options: { width?: number } = {}): FormatResult | null {
    let result: ReturnType<typeof formatSource>;
    try {
      result = formatSource(text, options);
    } catch {
      return null;
    }
    if ('error' in result) return null;
    return { text: result.text, edits: minimalEdits(text, result.text) };
  }
}

/** One edit covering what differs between the texts (the common start and end stay put, and so does the cursor there). */
export function minimalEdits(before: string, after: string): TextEdit[] {
  if (before === after) return [];
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  // Never split a surrogate pair.
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start--;
  let end = 0;
  while (end < max - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
  if (end > 0 && isLowSurrogate(before.charCodeAt(before.length - end))) end--;
  return [{ range: { start, end: before.length - end }, newText: after.slice(start, after.length - end) }];
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
