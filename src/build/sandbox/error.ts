import { SlipwayError } from '../../errors/index.js';

/** The sandbox could not be set up (not a failure of the command itself). */
export class SandboxError extends SlipwayError {
  constructor(message: string, hint?: string) {
    super('SANDBOX', message, hint === undefined ? {} : { hint });
  }
}
