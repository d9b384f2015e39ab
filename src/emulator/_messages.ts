// The real server's messages for chunk requests, word for word.

/** An unknown, expired or finished session (the server's NullReferenceException). */
export const UNKNOWN_SESSION =
  "Object reference not set to an instance of an object.";
