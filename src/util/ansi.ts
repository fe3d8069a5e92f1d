// ANSI escape sequences in tool output (Maven's ESC[0m even with -B, npm's
// colours, progress bars that move the cursor). On a terminal they are what
// the tool meant; in a CI log or a file they are noise, so lines slipway
// prints anywhere else lose them.

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), DCS/SOS/PM/APC strings
// (ESC P|X|^|_ … ESC \), other two-byte escapes (ESC ( B, ESC 7), the 8-bit
// CSI; a sequence cut off by the end of a line goes too, as does a lone ESC.
const ESCAPES = new RegExp(
  [
    '\\u001b\\[[0-?]*[ -/]*(?:[@-~]|$)',
    '\\u001b\\][^\\u0007\\u001b]*(?:\\u0007|\\u001b\\\\|$)',
    '\\u001b[PX^_][^\\u001b]*(?:\\u001b\\\\|$)',
    '\\u001b[ -/]*[0-~]',
    '\\u009b[0-?]*[ -/]*(?:[@-~]|$)',
    '\\u001b',
  ].join('|'),
  'g',
);

/** `text` without ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '');
}

/** How a line is written to `stream`: as it is on a terminal, without escapes elsewhere. */
export function lineFor(stream: { isTTY?: boolean }): (line: string) => string {
  return stream.isTTY ? (line) => line : stripAnsi;
}
