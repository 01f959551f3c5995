const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(?:([kmgtpKMGTP])(i)?)?([bB])?$/;

/**
 * Parses a size like Podman's `--opt size=`: `k m g t p` (any case, optional `i`, optional `B`)
 * are powers of 1024, `KB MB GB TB PB` (no `i`) are powers of 1000, no suffix is bytes.
 * Returns undefined when `text` is not a size.
 */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  const [, num, unit, binary, byteSuffix] = m;
  let factor = 1;
  if (unit) {
    const exp = 'kmgtp'.indexOf(unit.toLowerCase()) + 1;
    // "KB" without "i" is the decimal unit; "K", "k", "KiB", "kib" are binary.
    const base = byteSuffix && !binary ? 1000 : 1024;
    factor = base ** exp;
  } else if (binary) {
    return undefined;
  }
  const bytes = Math.floor(Number(num) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Parses a non-negative decimal integer (no sign, no suffix), or undefined. */
export function parseUint(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
