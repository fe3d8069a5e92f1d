import {
  InputError,
  RegistryError,
  SlipwayError,
  StepFailedError,
  UsageError,
} from '../errors/index.js';

/** Exit statuses: 1 a failure at run time, 2 bad usage or input. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** Stopped by SIGINT or SIGTERM, as a shell reports a Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/** The one place that turns an error into an exit status and a message. */
export function describeFailure(error: unknown): { status: number; text: string } {
  if (error instanceof UsageError || error instanceof InputError) {
    return { status: EXIT_USAGE, text: `error: ${error.describe()}` };
  }
  if (error instanceof StepFailedError) {
    const tail = error.outputTail ? `\n${error.outputTail}` : '';
    return { status: EXIT_FAILURE, text: `error: ${error.describe()}${tail}` };
  }
  if (error instanceof SlipwayError && error.code === 'INTERRUPTED') {
    return { status: EXIT_INTERRUPTED, text: `error: ${error.describe()}` };
  }
  if (error instanceof RegistryError || error instanceof SlipwayError) {
    return { status: EXIT_FAILURE, text: `error: ${error.describe()}` };
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { status: EXIT_FAILURE, text: `internal error (please report): ${detail}` };
}

/** A failure the command has already shown in its output format (a JSON event). */
export class ReportedError extends Error {
  constructor(readonly status: number) {
    super(`failed with status ${status}`);
  }
}

/** A failure as one JSON-ready event: the text the CLI would print, and its parts. */
export function failureEvent(error: unknown) {
  const { status, text } = describeFailure(error);
  const failed = error instanceof StepFailedError ? error : undefined;
  return {
    kind: 'error',
    level: 'error' as const,
    status,
    code: error instanceof SlipwayError ? error.code : 'INTERNAL',
    location: error instanceof SlipwayError ? error.location : undefined,
    exitCode: failed?.exitCode,
    outputTail: failed?.outputTail?.split('\n'),
    message: text,
  };
}
