import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseResult } from './run-case.js';

/** The text block printed for one case. */
export function caseText(result: CaseResult): string {
  const label = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP', known: 'KNOWN' }[result.status];
  const lines = [
    `${label} ${result.name}${result.reason ? `: ${result.reason.split('\n')[0]}` : ''}`,
  ];
  for (const line of result.reason?.split('\n').slice(1) ?? []) lines.push(`    | ${line}`);
  for (const note of result.notes) lines.push(`    note: ${note}`);
  for (const difference of result.differences) lines.push(`    - ${difference}`);
  return lines.join('\n');
}

/** `N passed, N failed, N skipped` (and known differences of the reference, if any). */
export function summary(results: CaseResult[]): string {
  const count = (status: CaseResult['status']) => results.filter((r) => r.status === status).length;
  const known = count('known');
  const line = `${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`;
  return known ? `${line}, ${known} known differences of the reference` : line;
}

/** Writes the run as JSON and markdown under bench/results/. */
export function writeReport(dir: string, title: string, results: CaseResult[]): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z');
  const base = join(dir, `conformance-${stamp}`);
  writeFileSync(`${base}.json`, `${JSON.stringify({ title, results }, null, 2)}\n`);
  const markdown = [
    `# ${title}`,
    '',
    summary(results),
    '',
    '```',
    ...results.map(caseText),
    '```',
    '',
  ];
  writeFileSync(`${base}.md`, markdown.join('\n'));
  return base;
}
