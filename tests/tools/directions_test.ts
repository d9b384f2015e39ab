// The folder rules of `deno task ok`: imports go only the ways the layout promises.
import { assertEquals } from "@std/assert";
import { forbiddenImports } from "../../_tools/_directions.ts";

const ROOT = "file:///p/";
const graph = (edges: Record<string, string[]>) => ({
  modules: Object.entries(edges).map(([from, targets]) => ({
    specifier: ROOT + from,
    dependencies: targets.map((t) => ({
      code: { specifier: t.includes(":") ? t : ROOT + t },
    })),
  })),
});

Deno.test("forbiddenImports: the client may not build on the gateway (a ticket once did)", () => {
  assertEquals(
    forbiddenImports(
      graph({ "src/client/upload_ticket.ts": ["src/gateway/_hmac.ts"] }),
      ROOT,
    ),
    [
      "src/client/upload_ticket.ts → src/gateway/_hmac.ts: src/client may not import src/gateway",
    ],
  );
});

Deno.test("forbiddenImports: the gateway and the CLI take the client's public modules and its internal API only (a file in a `_` folder is private too)", () => {
  assertEquals(
    forbiddenImports(
      graph({
        "src/gateway/_upstream.ts": [
          "src/client/_reply.ts",
          "src/client/internal.ts",
          "src/client/upload_file.ts",
          "src/ticket/signer.ts",
        ],
        "cli/batch.ts": [
          "src/client/upload_batch.ts",
          "src/client/_gate.ts",
          "src/client/_docspace/settings.ts",
        ],
      }),
      ROOT,
    ),
    [
      "cli/batch.ts → src/client/_docspace/settings.ts: a private module of src/client (import a public one, or src/client/internal.ts)",
      "cli/batch.ts → src/client/_gate.ts: a private module of src/client (import a public one, or src/client/internal.ts)",
      "src/gateway/_upstream.ts → src/client/_reply.ts: a private module of src/client (import a public one, or src/client/internal.ts)",
    ],
  );
});

Deno.test("forbiddenImports: tickets and the emulator stand alone; entries, tests and outside modules are free", () => {
  assertEquals(
    forbiddenImports(
      graph({
        "src/ticket/upload_ticket.ts": ["src/client/errors.ts"],
        "src/emulator/emulator.ts": ["src/client/chunk_body.ts", "npm:hono"],
        "testing.ts": ["src/emulator/_command.ts"],
        "tests/cli/x_test.ts": ["cli/_private.ts", "src/gateway/_hmac.ts"],
        "mod.ts": ["src/client/upload_file.ts", "src/ticket/upload_ticket.ts"],
      }),
      ROOT,
    ),
    [
      "src/emulator/emulator.ts → src/client/chunk_body.ts: src/emulator may not import src/client",
      "src/ticket/upload_ticket.ts → src/client/errors.ts: src/ticket may not import src/client",
    ],
  );
});
