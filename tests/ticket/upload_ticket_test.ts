import {
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertRejects,
} from "@std/assert";
import { decodeBase64Url, encodeBase64Url } from "@std/encoding/base64url";
import {
  createUploadTicket,
  UploadTicketError,
  verifyUploadTicket,
} from "../../mod.ts";

const secret = "ticket-test-secret-0123456789";
const at = (ms: number) => () => ms;

Deno.test("createUploadTicket makes a URL-safe ticket that verifyUploadTicket reads back", async () => {
  const ticket = await createUploadTicket({
    secret,
    folderId: 42,
    maxBytes: 5_000_000,
    expiresIn: 900,
    now: at(1_700_000_000_000),
  });
  assertMatch(ticket, /^ut1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  const allowed = await verifyUploadTicket(ticket, {
    secret,
    now: at(1_700_000_000_000),
  });
  assertEquals(allowed.folderId, "42");
  assertEquals(allowed.maxBytes, 5_000_000);
  assertEquals(allowed.expiresAt, 1_700_000_900_000);
  assertEquals(allowed.id, ticket.split(".")[2]);
});

Deno.test("createUploadTicket keeps string folder ids and makes a different ticket each time", async () => {
  const options = {
    secret,
    folderId: "sbox-7-|Docs",
    maxBytes: 0,
    expiresIn: 60,
  };
  const [a, b] = await Promise.all([
    createUploadTicket(options),
    createUploadTicket(options),
  ]);
  assertNotEquals(a, b);
  assertEquals(
    (await verifyUploadTicket(a, { secret })).folderId,
    "sbox-7-|Docs",
  );
  assertEquals((await verifyUploadTicket(b, { secret })).maxBytes, 0);
});

Deno.test("verifyUploadTicket refuses a ticket at and after its expiry", async () => {
  const ticket = await createUploadTicket({
    secret,
    folderId: 1,
    maxBytes: 10,
    expiresIn: 60,
    now: at(0),
  });
  await verifyUploadTicket(ticket, { secret, now: at(59_999) });
  for (const now of [60_000, 3_600_000]) {
    const error = await assertRejects(
      () => verifyUploadTicket(ticket, { secret, now: at(now) }),
      UploadTicketError,
      "expired at 1970-01-01T00:01:00.000Z",
    );
    assertEquals(error.reason, "expired");
  }
});

Deno.test("verifyUploadTicket refuses altered tickets and other secrets as forged", async () => {
  const ticket = await createUploadTicket({
    secret,
    folderId: 1,
    maxBytes: 10,
    expiresIn: 60,
  });
  const [prefix, payload, mac] = ticket.split(".") as [string, string, string];
  const claims = JSON.parse(
    new TextDecoder().decode(decodeBase64Url(payload)),
  );
  const bigger = encodeBase64Url(JSON.stringify({ ...claims, m: 1e12 }));
  const otherFolder = encodeBase64Url(JSON.stringify({ ...claims, f: "2" }));
  const flipped = (mac[0] === "A" ? "B" : "A") + mac.slice(1);
  const forged = [
    `${prefix}.${bigger}.${mac}`,
    `${prefix}.${otherFolder}.${mac}`,
    `${prefix}.${payload}.${flipped}`,
    `${prefix}.${payload}.${mac.slice(0, 20)}`,
    `${prefix}.${payload}.`,
    await createUploadTicket({
      secret: "another-secret-0123456789",
      folderId: 1,
      maxBytes: 10,
      expiresIn: 60,
    }),
  ];
  for (const candidate of forged) {
    const error = await assertRejects(
      () => verifyUploadTicket(candidate, { secret }),
      UploadTicketError,
      "signature does not match",
    );
    assertEquals(error.reason, "forged");
  }
});

Deno.test("verifyUploadTicket refuses strings that are not tickets as malformed", async () => {
  const payload = encodeBase64Url(JSON.stringify({ f: "1", m: 1, e: 9e9 }));
  for (
    const candidate of [
      "",
      "ut1",
      "a-long-random-upload-secret",
      `ut2.${payload}.x`,
      `ut1.${payload}.x.y`,
      "ut1.not-base64-json.x",
      `ut1.${encodeBase64Url("[1,2]")}.x`,
      `ut1.${encodeBase64Url(JSON.stringify({ f: "", m: 1, e: 9e9 }))}.x`,
      `ut1.${encodeBase64Url(JSON.stringify({ f: "1", m: -1, e: 9e9 }))}.x`,
      `ut1.${encodeBase64Url(JSON.stringify({ f: "1", m: 1.5, e: 9e9 }))}.x`,
    ]
  ) {
    const error = await assertRejects(
      () => verifyUploadTicket(candidate, { secret }),
      UploadTicketError,
      "not a ticket",
    );
    assertEquals(error.reason, "malformed");
  }
});

Deno.test("createUploadTicket and verifyUploadTicket check their options", async () => {
  const valid = { secret, folderId: 1, maxBytes: 10, expiresIn: 60 };
  await assertRejects(
    () => createUploadTicket({ ...valid, secret: "short" }),
    TypeError,
    "at least 16 characters",
  );
  await assertRejects(
    () => createUploadTicket({ ...valid, folderId: " " }),
    TypeError,
    "folderId is empty",
  );
  for (const maxBytes of [-1, 1.5, Number.NaN, 2 ** 53]) {
    await assertRejects(
      () => createUploadTicket({ ...valid, maxBytes }),
      RangeError,
      "maxBytes must be a non-negative integer",
    );
  }
  for (const expiresIn of [0, -5, Number.NaN, Infinity]) {
    await assertRejects(
      () => createUploadTicket({ ...valid, expiresIn }),
      RangeError,
      "expiresIn must be a positive number of seconds",
    );
  }
  await assertRejects(
    () => verifyUploadTicket("ut1.a.b", { secret: "" }),
    TypeError,
    "at least 16 characters",
  );
});
