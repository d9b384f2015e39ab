import { assertEquals } from "@std/assert";
import { type RunningEmulator, startEmulator } from "../../testing.ts";
import { api, bearer, createSession, sendChunk } from "./_client.ts";

// The title a file is stored under (FileDao.SaveFileAsync: FileUtility.ReplaceFileExtension) and title
// lookups in the database's utf8_general_ci collation.

async function upload(
  server: RunningEmulator,
  body: Record<string, unknown>,
  folderId: number | string = 1,
) {
  const location = await createSession(
    server,
    { fileSize: 3, ...body },
    folderId,
  );
  const done = await sendChunk(
    location,
    new TextEncoder().encode("abc"),
    server.token,
  );
  assertEquals(done.status, 201);
  return done.json.data;
}

Deno.test("native folders store the extension lower-cased and a trailing dot without one", async () => {
  await using server = await startEmulator();
  const names = [
    "Photo.JPG",
    "README",
    "archive.TAR.GZ",
    ".bashrc",
    "a.",
    "a..",
    "x. B",
  ];
  for (const fileName of names) await upload(server, { fileName });
  assertEquals(server.emulator.files().map((f) => f.title), [
    "Photo.jpg",
    "README.",
    "archive.TAR.gz",
    ".bashrc",
    "a.",
    "a..",
    "x. b",
  ]);
  // Third-party DAOs keep the title as cleaned.
  await upload(server, { fileName: "README" }, "sbox-1");
  await upload(server, { fileName: "Photo.JPG" }, "sbox-1");
  assertEquals(server.emulator.files().slice(-2).map((f) => f.title), [
    "README",
    "Photo.JPG",
  ]);
});

Deno.test("an upload finds an existing file case-insensitively, but README does not find README.", async () => {
  await using server = await startEmulator();
  const photo = await upload(server, { fileName: "Photo.JPG" });
  // FileUploader looks up "photo.jpg" as sent; utf8_general_ci matches "Photo.jpg": a new version
  const again = await upload(server, { fileName: "photo.jpg" });
  assertEquals([again.id, again.version, again.title], [
    photo.id,
    2,
    "Photo.jpg",
  ]);
  const readme = await upload(server, { fileName: "README" });
  // "README" is not "README.": a second file of the same stored title
  const copy = await upload(server, { fileName: "README" });
  assertEquals(copy.id === readme.id, false);
  assertEquals([readme.title, copy.title], ["README.", "README."]);
  // Sending the stored title finds it
  const version = await upload(server, { fileName: "README." });
  assertEquals([version.id, version.version], [readme.id, 2]);
  // createNewIfExist: a free title, compared case-insensitively, then stored by the extension rule
  const free = await upload(server, {
    fileName: "PHOTO.JPG",
    createNewIfExist: true,
  });
  assertEquals(free.title, "PHOTO (1).jpg");
  // Subfolders by relativePath are found case-insensitively too
  const a = await upload(server, { fileName: "x.txt", relativePath: "Docs" });
  const b = await upload(server, { fileName: "y.txt", relativePath: "DOCS" });
  assertEquals(a.folderId, b.folderId);
});

Deno.test("upload/check: titles as sent, case-insensitive, 403 without create right", async () => {
  await using server = await startEmulator({
    users: [{ id: "admin", tokens: ["t1"] }, { id: "guest", tokens: ["t2"] }],
    folders: [{ id: 1, writers: ["admin"] }],
  });
  await upload(server, { fileName: "Photo.JPG" }, 1);
  await upload(server, { fileName: "README" }, 1);
  const check = (titles: unknown, token = "t1") =>
    api(
      server,
      "/api/2.0/files/1/upload/check",
      { filesTitle: titles },
      bearer(token),
    );
  const found = await check(["photo.jpg", "PHOTO.JPG", "README", "README."]);
  assertEquals(found.json.response, ["photo.jpg", "PHOTO.JPG", "README."]);
  const denied = await check(["README."], "t2");
  assertEquals(
    [denied.status, denied.json.error.message, denied.json.error.type],
    [
      403,
      "You don't have enough permission to create",
      "System.InvalidOperationException",
    ],
  );
  const empty = await check([""]);
  assertEquals([empty.status, empty.json.error.message], [
    400,
    "The value cannot be an empty string. (Parameter 'title')",
  ]);
});

Deno.test("a default server accepts every extension", async () => {
  await using server = await startEmulator();
  for (const fileName of ["setup.exe", "script.BAT", "README"]) {
    const { status } = await api(
      server,
      "/api/2.0/files/1/upload/create_session",
      { fileName, fileSize: 1 },
    );
    assertEquals(status, 200, fileName);
  }
});

Deno.test("REST chunk routes bind the form file named file; another name is the session-gone 500", async () => {
  await using server = await startEmulator({ chunkUploadSize: 1024 });
  const created = await api(server, "/api/2.0/files/1/session", {
    fileName: "f.bin",
    fileSize: 2048,
  });
  const base = `/api/2.0/files/1/session/${created.json.response.id}`;
  const send = async (name: string, query: string) => {
    const form = new FormData();
    form.append(name, new Blob([new Uint8Array(1024)]), "blob");
    const response = await fetch(`${server.url}${base}${query}`, {
      method: "POST",
      headers: bearer(server.token),
      body: form,
    });
    return { status: response.status, json: await response.json() };
  };
  for (const query of ["/upload?chunkNumber=1", ""]) {
    const wrong = await send("chunk", query);
    assertEquals([wrong.status, wrong.json.error.message], [
      500,
      "Object reference not set to an instance of an object.",
    ]);
  }
  assertEquals((await send("File", "/upload?chunkNumber=1")).status, 200);
  const bad = await send("file", "/upload?chunkNumber=one");
  assertEquals([bad.status, bad.json.statusCode, bad.json.response.errors], [
    400,
    400,
    { ChunkNumber: ["The value 'one' is not valid for ChunkNumber."] },
  ]);
});
