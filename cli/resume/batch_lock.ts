/**
 * A batch's lock: while a run of a batch uses its saved progress (its journal and its files' sessions),
 * a second run of the same batch would take that live progress for a crashed run's and drop it. The
 * lock is a file beside the journal, created only if absent, naming the process that holds it; a lock
 * whose process is gone (a crash, a kill) is taken over.
 *
 * @module
 */
import { dirname } from "node:path";

/** Who holds a lock. */
export interface LockHolder {
  /** The process id. */
  pid: number;
  /** The machine's name. */
  host: string;
  /** When the run started (ISO). */
  started: string;
}

/** The batch is locked by another run. */
export class BatchLockedError extends Error {
  /** The lock's file. */
  readonly file: string;
  /** Who holds it, when the file says. */
  readonly holder: LockHolder | undefined;

  /**
   * Creates the error.
   *
   * @param file The lock's file.
   * @param holder Who holds it.
   */
  constructor(file: string, holder: LockHolder | undefined) {
    const who = holder === undefined
      ? "another process"
      : `process ${holder.pid}${
        holder.host === hostname() ? "" : ` on ${holder.host}`
      }, started ${holder.started}`;
    super(
      `another run of this batch (${who}) is using its saved progress; wait for it to end or stop it, then run this command again (if no such run is going on, remove ${file})`,
    );
    this.name = "BatchLockedError";
    this.file = file;
    this.holder = holder;
  }
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "";
  }
}

/** Whether a process of this machine is alive. */
function alive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    Deno.statSync("/proc/self");
  } catch {
    // No /proc: ask the process itself, with a signal whose default is to be ignored.
    try {
      Deno.kill(pid, "SIGURG");
      return true;
    } catch (error) {
      return error instanceof Deno.errors.PermissionDenied;
    }
  }
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function holderOf(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text);
    return Number.isSafeInteger(value?.pid) && value.pid > 0 &&
        typeof value.host === "string" && typeof value.started === "string"
      ? {
        pid: value.pid,
        host: value.host.slice(0, 200),
        started: value.started.slice(0, 40),
      }
      : undefined;
  } catch {
    return undefined;
  }
}

/** A held lock; {@linkcode BatchLock.release} (or disposing it) lets it go. */
export class BatchLock implements AsyncDisposable {
  /** The lock's file. */
  readonly file: string;
  #held = true;

  private constructor(file: string) {
    this.file = file;
  }

  /**
   * Takes the lock, or says who holds it. A lock left by a process of this machine that is gone is
   * taken over.
   *
   * @param file The lock's file (its directory is created).
   * @returns The lock.
   * @throws {BatchLockedError} If a live run holds it.
   */
  static async acquire(file: string): Promise<BatchLock> {
    await Deno.mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const me: LockHolder = {
      pid: Deno.pid,
      host: hostname(),
      started: new Date().toISOString(),
    };
    for (let attempt = 0;; attempt++) {
      try {
        await Deno.writeTextFile(file, JSON.stringify(me), {
          createNew: true,
          mode: 0o600,
        });
        return new BatchLock(file);
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
      const text = await Deno.readTextFile(file).catch(() => undefined);
      if (text === undefined && attempt < 3) continue; // Released meanwhile.
      const holder = text === undefined ? undefined : holderOf(text);
      const stale = holder !== undefined && holder.host === me.host &&
        !alive(holder.pid);
      if (!stale || attempt >= 3) throw new BatchLockedError(file, holder);
      await Deno.remove(file).catch(() => {});
    }
  }

  /** Lets the lock go (removes its file), once. */
  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    await Deno.remove(this.file).catch(() => {});
  }

  /** Lets the lock go. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}
