// The error vocabulary shared by every module. Each error carries a stable
// `code` that the CLI maps to an exit status, a message that chains lowercase
// context, and optionally a hint that says what the user can do next.

/** A source position in a user's file (Dockerfile, pipeline YAML, ignore file). */
export interface SourceLocation {
  file: string;
  line: number;
  column?: number;
}

export interface SlipwayErrorOptions {
  cause?: unknown;
  hint?: string;
  location?: SourceLocation;
}

/** Base class of every error slipway throws on purpose. */
export class SlipwayError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly location?: SourceLocation;

  constructor(code: string, message: string, options: SlipwayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
  }

  /** The message with its location prefixed, as the CLI prints it. */
  describe(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : '';
    const hint = this.hint ? `\n  hint: ${this.hint}` : '';
    return `${where}${this.message}${hint}`;
  }
}

/** The user asked for something that cannot be done as asked (bad flag, bad value). */
export class UsageError extends SlipwayError {
  constructor(message: string, options: SlipwayErrorOptions = {}) {
    super('USAGE', message, options);
  }
}

/** Input that does not parse or validate: a Dockerfile, pipeline file, manifest. */
export class InputError extends SlipwayError {}

/** A registry answered with an error status. Never holds credentials. */
export class RegistryError extends SlipwayError {
  readonly status: number;
  readonly registryCodes: readonly string[];

  constructor(
    message: string,
    status: number,
    registryCodes: readonly string[] = [],
    options: SlipwayErrorOptions = {},
  ) {
    super(`REGISTRY_${status}`, message, options);
    this.status = status;
    this.registryCodes = registryCodes;
  }
}

/** Content did not match the digest or size that named it. */
export class DigestMismatchError extends SlipwayError {
  constructor(message: string, options: SlipwayErrorOptions = {}) {
    super('DIGEST_MISMATCH', message, options);
  }
}

/** A step of a build or pipeline failed; carries what the user needs to see. */
export class StepFailedError extends SlipwayError {
  readonly exitCode?: number;
  readonly outputTail?: string;

  constructor(
    message: string,
    options: SlipwayErrorOptions & { exitCode?: number; outputTail?: string } = {},
  ) {
    super('STEP_FAILED', message, options);
    this.exitCode = options.exitCode;
    this.outputTail = options.outputTail;
  }
}

export function formatLocation(location: SourceLocation): string {
  const column = location.column === undefined ? '' : `:${location.column}`;
  return `${location.file}:${location.line}${column}`;
}

/** Prefix an error's message with context, keeping its class, code and cause. */
export function withContext<E>(context: string, error: E): E {
  if (error instanceof Error) {
    error.message = `${context}: ${error.message}`;
  }
  return error;
}

/** The message of anything thrown, for places that must not rethrow. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
