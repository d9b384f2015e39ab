// UploadBatch's single-request uploads (`insert`): the same titles, versions and copies a session makes,
// and a lost reply never stores a second version unnoticed.
import { assert, assertEquals } from "@std/assert";
import { UploadBatch } from "../../src/client/upload_batch.ts";
import { startEmulator } from "../../src/emulator/serve.ts";
import { randomBytes, sha256 } from "../_helpers.ts";

const CHUNK = 64 * 1024;
const FOLDERS = [{ id: 1, title: "A" }, { id: 2, title: "B" }];

Deno.test("UploadBatch's inserts store the titles, versions and copies a session stores", async () => {
  await using portal = await startEmulator({
    chunkUploadSize: CHUNK,
    folders: FOLDERS,
  });
  const steps: [string, boolean][] = [
    ["Photo.JPG", false],
    ["README", false],
    ["notes.txt", false],
    ["Photo.JPG", false], // a new version
    ["photo.jpg", false], // the same file by the collation, another letter case
    ["README", false],
    ["notes.txt", true], // a copy beside it
    ["notes.txt", true],
  ];
  const results: Record<number, string[]> = {};
  for (const [folderId, singleRequest] of [[1, false], [2, true]] as const) {
    const batch = new UploadBatch({
      url: portal.url,
      token: portal.token,
      folderId,
      singleRequest,
    });
    results[folderId] = [];
    for (const [name, createNewIfExist] of steps) {
      const file = await batch.upload(
        new Blob([`${name} ${createNewIfExist}`]),
        {
          fileName: name,
          createNewIfExist,
        },
      );
      results[folderId]!.push(`${file.title} v${file.version}`);
    }
  }
  assertEquals(results[2], results[1]);
  assertEquals(
    results[1],
    [
      "Photo.jpg v1",
      "README. v1",
      "notes.txt v1",
      "Photo.jpg v2",
      "Photo.jpg v3",
      "README. v1", // DocSpace does not find "README." for "README": a second file of that title
      "notes (1).txt v1",
      "notes (2).txt v1",
    ].map((t) => t),
  );
  const byMode = (mode: string) =>
    portal.emulator.log.filter((e) => e.mode === mode).length;
  // Every file of folder 2 went in one request but the case-variant version and the names without an
  // extension (a lost reply of theirs could not be told from the listing), which sessions took.
  assertEquals(byMode("insert"), steps.length - 3);
});

Deno.test("UploadBatch finds a lost insert reply's file in the folder instead of storing it twice", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  const batch = new UploadBatch({
    url: portal.url,
    token: portal.token,
    folderId: 1,
    retry: { minDelay: 1, maxDelay: 5 },
  });
  const bytes = randomBytes(1000);
  // The file is stored, but its reply never arrives.
  portal.emulator.injectFault({
    kind: "drop-after-store",
    match: { mode: "insert" },
  });
  const first = await batch.upload(new Blob([bytes]), { fileName: "a.bin" });
  assertEquals([first.title, first.version], ["a.bin", 1]);
  // Again, now as a new version of it.
  portal.emulator.injectFault({
    kind: "drop-after-store",
    match: { mode: "insert" },
  });
  const second = await batch.upload(new Blob([bytes]), { fileName: "a.bin" });
  assertEquals([second.id, second.version], [first.id, 2]);
  // And as a copy beside it.
  portal.emulator.injectFault({
    kind: "drop-after-store",
    match: { mode: "insert" },
  });
  const copy = await batch.upload(new Blob([bytes]), {
    fileName: "a.bin",
    createNewIfExist: true,
  });
  assertEquals(copy.title, "a (1).bin");
  // A proxy's 503 before anything was stored: the listing shows nothing new, so it is sent again.
  portal.emulator.injectFault({
    kind: "status",
    status: 503,
    match: { mode: "insert" },
  });
  const third = await batch.upload(new Blob([bytes]), { fileName: "a.bin" });
  assertEquals(third.version, 3);
  const files = portal.emulator.files();
  assertEquals(
    files.map((f) => `${f.title} v${f.version}`).sort(),
    ["a (1).bin v1", "a.bin v3"],
  );
  for (const f of files) assertEquals(f.sha256, await sha256(bytes));
  assertEquals(
    portal.emulator.log.filter((e) => e.mode === "insert").length,
    5,
  );
});

Deno.test("UploadBatch sends by session what an insert would store otherwise, and what a server without the route cannot take", async () => {
  await using portal = await startEmulator({
    chunkUploadSize: CHUNK,
    extsMustConvert: [".doc"],
  });
  const batch = new UploadBatch({
    url: portal.url,
    token: portal.token,
    folderId: 1,
  });
  for (const name of ["old.doc", "form.pdf", "fine.txt"]) {
    await batch.upload(new Blob([name]), { fileName: name });
  }
  await batch.upload(new Blob(["dated"]), {
    fileName: "dated.txt",
    createOn: "2024-01-02T03:04:05.000Z",
  });
  assertEquals(batch.stats().inserted, 1);
  assertEquals(batch.stats().sessions, 3);

  // A gateway or a server without `insert` answers 404: the batch goes on with sessions.
  portal.emulator.injectFault({
    kind: "status",
    status: 404,
    body: "Not Found",
    times: 100,
    match: { mode: "insert" },
  });
  const other = new UploadBatch({
    url: portal.url,
    token: portal.token,
    folderId: 1,
  });
  const bytes = randomBytes(500);
  const files = await Promise.all(
    ["x.bin", "y.bin"].map((name) =>
      other.upload(new Blob([bytes]), { fileName: name })
    ),
  );
  for (const f of files) {
    assertEquals(portal.emulator.file(f.id)?.sha256, await sha256(bytes));
  }
  assertEquals(other.stats().inserted, 0);
  portal.emulator.clearFaults();
});

Deno.test("UploadBatch uploads 1,000 tiny files byte-exact, one request each, within the write limit", async () => {
  await using portal = await startEmulator({ chunkUploadSize: CHUNK });
  const batch = new UploadBatch({
    url: portal.url,
    token: portal.token,
    folderId: 1,
  });
  const files = Array.from({ length: 1000 }, (_, i) => randomBytes(i % 50));
  const uploaded = await Promise.all(
    files.map((bytes, i) =>
      batch.upload(new Blob([bytes]), {
        fileName: `${i}.bin`,
        ...(i % 10 === 0 ? { relativePath: `dir${i % 3}` } : {}),
      })
    ),
  );
  for (const [i, file] of uploaded.entries()) {
    assertEquals(
      portal.emulator.file(file.id)?.sha256,
      await sha256(files[i]!),
    );
  }
  const stats = portal.emulator.stats();
  assertEquals(stats.refused.total, 0);
  assert((stats.peakConcurrentWrites.admin ?? 0) <= 12);
  assertEquals(batch.stats().inserted, 1000);
  // The settings, one listing per folder, three folders made, and one request a file.
  assertEquals(portal.emulator.log.length, 1 + 1 + 3 + 1000);
});
