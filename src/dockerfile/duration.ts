// Go's time.ParseDuration, for HEALTHCHECK --interval and friends.
import { LineError } from './line-parsers.js';

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds of a Go duration string such as `1m30s` or `1.5h`. */
export function parseGoDuration(text: string): number {
  const bad = () => new LineError(`time: invalid duration "${text}"`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw bad();
  let total = 0;
  while (rest !== '') {
    const match = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(rest);
    if (match === null || (match[1] === '' && (match[2] ?? '') === '')) throw bad();
    const unit = UNIT_NS[match[3] as string];
    if (unit === undefined) {
      throw new LineError(`time: unknown unit "${match[3]}" in duration "${text}"`);
    }
    const number = Number(`${match[1] || '0'}.${match[2] || '0'}`);
    total += number * unit;
    rest = rest.slice(match[0].length);
  }
  return sign * Math.round(total);
}
