// Secret masking: every line that leaves slipway (logs, reports, errors) goes
// through a Masker holding the secrets known so far.

const MIN_SECRET_LENGTH = 3;

/** Replaces every known secret value with `***`. */
export class Masker {
  private readonly secrets = new Set<string>();

  /** Remember a secret; values shorter than 3 characters would mask noise. */
  add(secret: string | undefined): void {
    if (secret !== undefined && secret.length >= MIN_SECRET_LENGTH) {
      this.secrets.add(secret);
    }
  }

  get size(): number {
    return this.secrets.size;
  }

  mask(text: string): string {
    let masked = text;
    // Longest first, so a secret that contains another is masked whole.
    const ordered = [...this.secrets].sort((a, b) => b.length - a.length);
    for (const secret of ordered) {
      masked = masked.split(secret).join('***');
    }
    return masked;
  }
}
