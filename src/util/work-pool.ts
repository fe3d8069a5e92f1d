// A bounded set of jobs in flight, fed one at a time by a loop that produces
// them (a directory walk): add() waits while the set is full, so the loop runs
// ahead of the jobs by at most `limit`. The first failure is kept; later adds
// refuse to start, and done() rejects with it once every started job ended.

/** Jobs run at most `limit` at once. */
export class WorkPool {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  /** Start `job` once a place is free; throws the first failure of an earlier job. */
  async add(job: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failure) throw this.failure.error;
    const started: Promise<void> = job()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(started));
    this.running.add(started);
  }

  /** Wait for every job; rejects with the first failure. */
  async done(): Promise<void> {
    await this.settled();
    if (this.failure) throw this.failure.error;
  }

  /** Wait for every job, whatever their outcome (after the loop feeding them failed). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
