import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { NetworkError } from './http.js';

// Retries: connection resets and 5xx/429 answers are tried again with
// exponential backoff, a bounded number of times, honouring Retry-After.

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Four tries: after about 0.25 s, 0.5 s and 1 s. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 10_000 };

const RETRY_ERRNO = [
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ECONNREFUSED',
];

/** Whether a failure to connect or a dropped connection is worth another try. */
export function isRetryableError(error: unknown): boolean {
  return error instanceof NetworkError && RETRY_ERRNO.includes(error.errno ?? '');
}

/** Whether a status is worth another try. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

/** The wait before try number `attempt` (1 = the first retry). */
export function backoff(policy: RetryPolicy, attempt: number, response?: IncomingMessage): number {
  const header = response?.headers['retry-after'];
  if (header) {
    const seconds = Number(header);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
    if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), 60_000);
  }
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(exponential, policy.maxDelayMs) * (0.75 + Math.random() / 2);
}

/** Wait before a retry. */
export function pause(ms: number): Promise<void> {
  return sleep(ms);
}
