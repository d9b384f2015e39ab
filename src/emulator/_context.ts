// What the emulator's routes share: the options, the state, and what the intake read of each request.
import type { EmulatorUser, ResolvedEmulatorOptions } from "./options.ts";
import type { RequestLogEntry } from "./request_log.ts";
import type { EmulatorState } from "./state.ts";

/** What the emulator knows about one request once it has read it. */
export interface RequestContext {
  entry: RequestLogEntry;
  body: Uint8Array;
  user: EmulatorUser | undefined;
  /** The origin for `location` URLs. */
  origin: string;
}

/** The emulator's shared parts, as the routes see them. */
export interface EmulatorCore {
  options: ResolvedEmulatorOptions;
  state: EmulatorState;
  requests: WeakMap<Request, RequestContext>;
}

/** The context of a request the emulator has admitted. */
export function contextOf(
  core: EmulatorCore,
  request: Request,
): RequestContext {
  const context = core.requests.get(request);
  if (context === undefined) {
    throw new Error(
      "Cannot handle request: it did not pass the emulator's intake",
    );
  }
  return context;
}
