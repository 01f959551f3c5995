/** Go text/tabwriter settings: minimum cell width, padding added to the widest cell, pad character. */
export interface TabwriterOptions {
  minwidth: number;
  padding: number;
  padchar: string;
}

/** containers/common's report settings: `tabwriter.NewWriter(w, 12, 2, 2, ' ', 0)`. */
export const PODMAN_TABLE: TabwriterOptions = { minwidth: 12, padding: 2, padchar: ' ' };

/** Go counts a cell's width in runes (code points). */
function runes(t: string): number {
  return /[\uD800-\uDFFF]/.test(t) ? [...t].length : t.length;
}

interface Cell {
  text: string;
  width: number;
}

/**
 * Aligns tab-terminated cells the way Go's text/tabwriter does: a column block is a run of
 * consecutive lines that have a cell in that column, and the last cell of a line is not aligned.
 */
export function tabwrite(text: string, opts: TabwriterOptions = PODMAN_TABLE): string {
  const lines: Cell[][] = text.split('\n').map((l) => l.split('\t').map((t) => ({ text: t, width: runes(t) })));
  let out = '';
  const widths: number[] = [];
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const line = lines[i]!;
      line.forEach((c, j) => {
        out += c.text;
        if (j < widths.length && j < line.length - 1) out += opts.padchar.repeat(Math.max(0, widths[j]! - c.width));
      });
      if (i + 1 < lines.length) out += '\n';
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t]!.length - 1) continue;
      writeLines(line0, t);
      line0 = t;
      let width = opts.minwidth;
      for (; t < line1 && column < lines[t]!.length - 1; t++) width = Math.max(width, lines[t]![column]!.width + opts.padding);
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
      t--;
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out;
}
