// `GET /queue`: where the caller's requests stand in the fair queue for DocSpace's budget, so that a page
// whose chunk request waits can show it while it waits.
import { Hono } from "hono";
import { access } from "./_access.ts";
import type { Gateway, GatewayEnv } from "./_context.ts";
import { json } from "./_responses.ts";

/** `GET /queue`: `{ "queue": { "waiting", "position", "inFlight" } }` for the caller. */
export function queueRoute(gateway: Gateway): Hono<GatewayEnv> {
  return new Hono<GatewayEnv>().get("/queue", access(gateway), async (c) => {
    const caller = c.get("caller");
    return json({ queue: await gateway.coordinator.status(caller.id) });
  });
}
