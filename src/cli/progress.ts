import type { ProgressReport } from '../core/progress.ts';
import { humanSize } from './units.ts';

/** One updating status line for a bulk command. */
export interface ProgressLine {
  /** Records how far the work has got; redraws at most every REDRAW_MS. */
  update(p: ProgressReport): void;
  /** Erases the line (if one was drawn); call it before the command's results are printed. */
  end(): void;
}

/** What a progress line says: a verb (`Removing`), and what it counts (`volumes`). */
export interface ProgressLabel {
  verb: string;
  noun: string;
  /** `--quiet`: draw nothing. */
  quiet?: boolean;
}

/** Makes progress lines for one command run. */
export type ProgressFactory = (label: ProgressLabel) => ProgressLine;

/** Where progress lines go: stderr, and whether it is a terminal. */
export interface ProgressSink {
  stderr(text: string): void;
  stderrIsTTY?(): boolean;
}

const REDRAW_MS = 100;
const NONE: ProgressLine = { update() {}, end() {} };

/**
 * Progress lines drawn on `sink` when it is a terminal, and never otherwise. The first line
 * appears once the work has run for VOL_PROGRESS_DELAY_MS (default 500 ms), so quick commands
 * stay silent.
 */
export function progressFactory(sink: ProgressSink, env: NodeJS.ProcessEnv = process.env, now: () => number = Date.now): ProgressFactory {
  const delay = Number(env.VOL_PROGRESS_DELAY_MS ?? 500);
  return (label) => {
    if (label.quiet || !sink.stderrIsTTY?.()) return NONE;
    const started = now();
    let drawnAt: number | undefined;
    return {
      update(p) {
        const t = now();
        if (t - started < (Number.isFinite(delay) ? delay : 500)) return;
        if (drawnAt !== undefined && t - drawnAt < REDRAW_MS && p.done !== p.total) return;
        drawnAt = t;
        sink.stderr(`\r\x1b[2K${progressText(label, p, (t - started) / 1000)}`);
      },
      end() {
        if (drawnAt !== undefined) sink.stderr('\r\x1b[2K');
      },
    };
  };
}

/** The text of one progress line: `Removing volumes: 120/1000 (12%), 450/s` or bytes for archives. */
export function progressText(label: ProgressLabel, p: ProgressReport, seconds: number): string {
  const rate = (n: number) => (seconds > 0 ? n / seconds : 0);
  if (p.bytes !== undefined) {
    const of = p.totalBytes ? ` of ${humanSize(p.totalBytes)} (${percent(p.bytes, p.totalBytes)})` : '';
    return `${label.verb} ${label.noun}: ${humanSize(p.bytes)}${of}, ${humanSize(rate(p.bytes))}/s`;
  }
  const of = p.total !== undefined ? `/${p.total} (${percent(p.done, p.total)})` : '';
  return `${label.verb} ${label.noun}: ${p.done}${of}, ${Math.round(rate(p.done))}/s`;
}

function percent(n: number, total: number): string {
  return `${total > 0 ? Math.floor((n * 100) / total) : 100}%`;
}
