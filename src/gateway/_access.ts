// Who the caller is: `Authorization: Bearer <UPLOAD_SECRET or upload ticket>`, checked by the `access`
// middleware before a route's handler runs. What the caller may do is in _permits.ts.
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import {
  UploadTicketError,
  verifyUploadTicket,
} from "../ticket/upload_ticket.ts";
import type { Caller, Gateway, GatewayEnv } from "./_context.ts";
import { httpError } from "./_responses.ts";

const CHALLENGE = { "www-authenticate": 'Bearer realm="docspace-upload"' };

/** Authenticates `Authorization: Bearer <UPLOAD_SECRET or ticket>`; 401 otherwise. */
export async function authenticate(
  authorization: string | undefined,
  gateway: Gateway,
): Promise<Caller> {
  const match = authorization?.match(/^\s*Bearer\s+(\S+)\s*$/i);
  if (!match) {
    throw httpError(
      401,
      "Authorization required: send Authorization: Bearer <upload ticket or UPLOAD_SECRET>",
      { headers: CHALLENGE },
    );
  }
  const credential = match[1]!;
  if (await gateway.signer.isSecret(credential)) {
    return { kind: "secret", id: "secret" };
  }
  try {
    const ticket = await verifyUploadTicket(credential, {
      secret: gateway.config.secret,
      now: gateway.now,
    });
    return { kind: "ticket", id: `ticket:${ticket.id}`, ticket };
  } catch (error) {
    if (!(error instanceof UploadTicketError)) throw error;
    throw httpError(
      401,
      error.reason === "expired"
        ? error.message
        : "Authorization refused: the credential is neither UPLOAD_SECRET nor a valid upload ticket",
      { headers: CHALLENGE },
    );
  }
}

/**
 * The access middleware: authenticates the caller (401 otherwise) and sets `c.var.caller`. It also names the
 * route in the request's log entry, so that refusals are logged by route, never by path.
 */
export function access(gateway: Gateway): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const entry = c.get("entry");
    entry.route = routePath(c);
    const caller = await authenticate(c.req.header("authorization"), gateway);
    entry.caller = caller;
    c.set("caller", caller);
    await next();
  };
}
