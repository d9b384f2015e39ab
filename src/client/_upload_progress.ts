// The bookkeeping of one upload: which chunks were sent and confirmed, as progress and as resumable state.
import type { UploadProgress, UploadState } from "./upload_types.ts";

/** Tracks chunks sent and confirmed; reports progress and, for resumable uploads, state. */
export class UploadTracker {
  readonly #sent: Set<number>;
  readonly #confirmed: Set<number>;
  readonly #progress: UploadProgress;
  readonly #state: Omit<UploadState, "confirmedChunks">;
  readonly #onProgress: ((progress: UploadProgress) => void) | undefined;
  readonly #onState: ((state: UploadState) => void) | undefined;

  constructor(
    state: Omit<UploadState, "confirmedChunks">,
    totalChunks: number,
    confirmed: readonly number[],
    onProgress: ((progress: UploadProgress) => void) | undefined,
    onState: ((state: UploadState) => void) | undefined,
  ) {
    this.#state = state;
    this.#confirmed = new Set(
      confirmed.filter((n) => n >= 1 && n <= totalChunks),
    );
    this.#sent = new Set(this.#confirmed);
    const bytes = [...this.#confirmed].reduce(
      (sum, n) => sum + this.#sizeOf(n),
      0,
    );
    this.#progress = {
      bytesSent: bytes,
      bytesConfirmed: bytes,
      totalBytes: state.fileSize,
      chunksConfirmed: this.#confirmed.size,
      totalChunks,
    };
    this.#onProgress = onProgress;
    this.#onState = onState;
    this.#onState?.(this.state());
    this.#report();
  }

  /** The resumable state now. */
  state(): UploadState {
    return {
      ...this.#state,
      confirmedChunks: [...this.#confirmed].sort((a, b) => a - b),
    };
  }

  /** A chunk's first request starts. */
  markSent(number: number): void {
    if (this.#sent.has(number)) return;
    this.#sent.add(number);
    this.#progress.bytesSent += this.#sizeOf(number);
    this.#report();
  }

  /** The server accepted a chunk: progress and state move on. */
  markConfirmed(number: number): void {
    this.#confirmed.add(number);
    this.#progress.bytesConfirmed += this.#sizeOf(number);
    this.#progress.chunksConfirmed++;
    this.#onState?.(this.state());
    this.#report();
  }

  #sizeOf(n: number): number {
    const { chunkSize, fileSize } = this.#state;
    return Math.max(0, Math.min(chunkSize, fileSize - (n - 1) * chunkSize));
  }

  #report(): void {
    this.#onProgress?.({ ...this.#progress });
  }
}
