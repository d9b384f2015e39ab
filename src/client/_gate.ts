// A first-come-first-served gate: at most `count` holders, and at most `weight` in total (a holder heavier
// than the whole weight is let in alone).

interface Waiter {
  weight: number;
  admit: () => void;
}

/** Lets holders in, in order, while there is room. */
export class Gate {
  #count: number;
  #weight: number;
  #holders = 0;
  #held = 0;
  #queue: Waiter[] = [];

  constructor(count: number, weight = Infinity) {
    this.#count = count;
    this.#weight = weight;
  }

  /** Waits for room for `weight`, takes it, and returns the function that gives it back. */
  async enter(weight: number, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    let admit!: () => void;
    const admitted = new Promise<void>((resolve) => admit = resolve);
    const waiter = { weight, admit };
    this.#queue.push(waiter);
    this.#pump();
    if (signal) {
      let onAbort!: () => void;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        await Promise.race([admitted, aborted]);
      } catch (error) {
        const at = this.#queue.indexOf(waiter);
        if (at >= 0) this.#queue.splice(at, 1);
        else this.#leave(weight);
        throw error;
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    } else {
      await admitted;
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#leave(weight);
    };
  }

  #leave(weight: number): void {
    this.#holders--;
    this.#held -= weight;
    this.#pump();
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      const fits = this.#holders === 0 ||
        (this.#holders < this.#count &&
          this.#held + next.weight <= this.#weight);
      if (!fits) return;
      this.#queue.shift();
      this.#holders++;
      this.#held += next.weight;
      next.admit();
    }
  }
}
