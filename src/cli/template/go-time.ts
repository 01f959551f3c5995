const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** A Go `time.Time` in UTC with nanosecond precision, with the methods templates call on it. */
export class GoTime {
  /** `ms` is milliseconds since the epoch, `subMsNs` the nanoseconds past that millisecond. */
  constructor(readonly ms: number, readonly subMsNs = 0) {}

  /** Parses RFC 3339 with up to nine fraction digits; undefined when `s` is not one. */
  static parse(s: string): GoTime | undefined {
    const m = RFC3339.exec(s);
    if (!m) return undefined;
    const frac = (m[7] ?? '').padEnd(9, '0');
    const offset = m[8] === 'Z' ? 0 : (m[8]![0] === '-' ? -1 : 1) * (Number(m[8]!.slice(1, 3)) * 60 + Number(m[8]!.slice(4, 6))) * 60_000;
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(frac.slice(0, 3))) - offset;
    return Number.isNaN(ms) ? undefined : new GoTime(ms, Number(frac.slice(3)));
  }

  private get date(): Date {
    return new Date(this.ms);
  }

  /** Nanoseconds within the second. */
  nanosecond(): number {
    return (((this.ms % 1000) + 1000) % 1000) * 1_000_000 + this.subMsNs;
  }

  /** Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`, trailing fraction zeros dropped. */
  toString(): string {
    return this.stamp(' ') + ' +0000 UTC';
  }

  /** RFC 3339 with nanoseconds, as Go's JSON encoding of a time prints it. */
  toJSON(): string {
    return this.stamp('T') + 'Z';
  }

  /** `2006-01-02<sep>15:04:05.999999999`: the common part of String() and JSON, built directly (ls prints thousands). */
  private stamp(sep: string): string {
    const iso = new Date(this.ms).toISOString();
    const frac = String(this.nanosecond()).padStart(9, '0').replace(/0+$/, '');
    return iso.slice(0, 10) + sep + iso.slice(11, 19) + (frac ? '.' + frac : '');
  }

  /** The methods a template may call, by Go name. */
  method(name: string, args: unknown[]): { value: unknown } | undefined {
    const d = this.date;
    const unixNs = BigInt(Math.floor(this.ms / 1000)) * 1_000_000_000n + BigInt(this.nanosecond());
    const simple: Record<string, () => unknown> = {
      String: () => this.toString(),
      Unix: () => Math.floor(this.ms / 1000),
      UnixMilli: () => this.ms,
      UnixMicro: () => Number(unixNs / 1000n),
      UnixNano: () => unixNs,
      Year: () => d.getUTCFullYear(),
      Month: () => MONTHS[d.getUTCMonth()],
      Day: () => d.getUTCDate(),
      Hour: () => d.getUTCHours(),
      Minute: () => d.getUTCMinutes(),
      Second: () => d.getUTCSeconds(),
      Nanosecond: () => this.nanosecond(),
      Weekday: () => DAYS[d.getUTCDay()],
      YearDay: () => Math.floor((this.ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1,
      IsZero: () => false,
      UTC: () => this,
      Local: () => this,
    };
    if (name === 'Format' && args.length === 1 && typeof args[0] === 'string') return { value: this.format(args[0]) };
    return Object.hasOwn(simple, name) && args.length === 0 ? { value: simple[name]!() } : undefined;
  }

  /** Go's `Time.Format` for the common layout elements, in UTC. */
  format(layout: string): string {
    const d = this.date;
    const ns = String(this.nanosecond()).padStart(9, '0');
    const two = (n: number) => String(n).padStart(2, '0');
    const h12 = d.getUTCHours() % 12 || 12;
    const table: [string, () => string][] = [
      ['January', () => MONTHS[d.getUTCMonth()]!], ['Jan', () => MONTHS[d.getUTCMonth()]!.slice(0, 3)],
      ['Monday', () => DAYS[d.getUTCDay()]!], ['Mon', () => DAYS[d.getUTCDay()]!.slice(0, 3)],
      ['2006', () => String(d.getUTCFullYear()).padStart(4, '0')], ['-07:00', () => '+00:00'], ['-0700', () => '+0000'],
      ['-07', () => '+00'], ['Z07:00', () => 'Z'], ['Z0700', () => 'Z'], ['Z07', () => 'Z'], ['MST', () => 'UTC'],
      ['002', () => String(Number(this.method('YearDay', [])!.value)).padStart(3, '0')],
      ['01', () => two(d.getUTCMonth() + 1)], ['02', () => two(d.getUTCDate())], ['_2', () => String(d.getUTCDate()).padStart(2, ' ')],
      ['06', () => two(d.getUTCFullYear() % 100)], ['15', () => two(d.getUTCHours())], ['03', () => two(h12)],
      ['04', () => two(d.getUTCMinutes())], ['05', () => two(d.getUTCSeconds())], ['PM', () => (d.getUTCHours() < 12 ? 'AM' : 'PM')],
      ['pm', () => (d.getUTCHours() < 12 ? 'am' : 'pm')], ['1', () => String(d.getUTCMonth() + 1)], ['2', () => String(d.getUTCDate())],
      ['3', () => String(h12)], ['4', () => String(d.getUTCMinutes())], ['5', () => String(d.getUTCSeconds())],
    ];
    let out = '';
    for (let i = 0; i < layout.length;) {
      const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
      if (frac) {
        const digits = ns.slice(0, frac[1]!.length);
        out += frac[1]![0] === '0' ? layout[i] + digits : digits.replace(/0+$/, '') ? layout[i] + digits.replace(/0+$/, '') : '';
        i += frac[0].length;
        continue;
      }
      const hit = table.find(([k]) => layout.startsWith(k, i));
      if (hit) {
        out += hit[1]();
        i += hit[0].length;
      } else {
        out += layout[i++];
      }
    }
    return out;
  }
}
