/** A progress bar on stderr for long runs (`runnel simulate` of a large events file), only on a terminal. */
import type { CliIO } from './io.js';

/** Inputs shorter than this finish too fast to need a bar. */
export const PROGRESS_FROM_LINES = 20_000;
const WIDTH = 30;

export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n + (text.length && !text.endsWith('\n') ? 1 : 0);
}

/** The text of the bar: `[#########.....] 45% 45,000/100,000 events`. */
export function progressText(done: number, total: number): string {
  const f = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(f * WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(f * 100)).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} events`;
}

/** A callback that redraws the bar in place, and clears it when done. */
export function progressBar(io: CliIO): (done: number, total: number) => void {
  return (done, total) => {
    if (done >= total) io.stderr('\r\x1b[2K');
    else io.stderr(`\r${progressText(done, total)}`);
  };
}
