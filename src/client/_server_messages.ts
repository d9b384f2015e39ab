// The server's own words that the client recognises.

/**
 * What the server answers for a session it no longer knows: expired, finalized, aborted or never opened
 * (a NullReferenceException's message; HTTP 200 `success:false` on `location`, HTTP 500 on the REST routes).
 */
export const SESSION_GONE =
  "Object reference not set to an instance of an object.";
