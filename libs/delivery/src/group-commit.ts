/**
 * Turns single requests into batch writes: requests that arrive while writes are in flight
 * wait, and go out together (up to `maxBatch`) as soon as one finishes. A quiet target writes
 * each request at once; a busy one writes ever larger batches in fewer transactions. A write
 * beyond the first starts only with a full share of the batch (`maxBatch / parallel`
 * requests), up to `parallel` at once: under load every write carries many requests, where
 * writers taking turns would split what waits into small batches, each paying a transaction
 * of its own. `write` answers each request of a batch, in order.
 */
export class GroupCommit<Request, Answer> {
  private readonly waiting: {
    request: Request;
    resolve: (answer: Answer) => void;
    reject: (error: unknown) => void;
  }[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: (batch: Request[]) => Promise<Answer[]>,
    private readonly options: { parallel: number; maxBatch: number },
  ) {}

  submit(request: Request): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      // Requests submitted in the same turn of the event loop share the first batch.
      queueMicrotask(() => this.pump());
    });
  }

  private pump(): void {
    const share = Math.max(1, Math.floor(this.options.maxBatch / this.options.parallel));
    while (
      this.inFlight < this.options.parallel &&
      this.waiting.length >= (this.inFlight === 0 ? 1 : share)
    ) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      this.write(batch.map((w) => w.request))
        .then(
          (answers) => {
            if (answers.length !== batch.length)
              throw new Error(`a batch of ${batch.length} got ${answers.length} answers`);
            batch.forEach((w, i) => w.resolve(answers[i]));
          },
          (error: unknown) => batch.forEach((w) => w.reject(error)),
        )
        .catch((error: unknown) => batch.forEach((w) => w.reject(error)))
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }
}
