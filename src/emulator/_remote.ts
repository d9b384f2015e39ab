// The client's address of a request that came in over a socket, for the rate limiter's partition of
// anonymous requests (BaseStartup.cs: HttpContext.Connection.RemoteIpAddress). `startEmulator` records it;
// an in-process `app.request` has none.

/** Each served request's remote address. */
export const remoteAddresses: WeakMap<Request, string> = new WeakMap();

/** The partition key of anonymous requests that have no address. */
export const IN_PROCESS = "in-process";
