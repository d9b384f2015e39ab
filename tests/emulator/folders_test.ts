// The folder routes: a folder's content (GET /api/2.0/files/{folderId}, paged as FoldersController and
// EntryManager page it) and folder creation (POST /api/2.0/files/folder/{folderId}).
import { assertEquals } from "@std/assert";
import { DocSpaceEmulator } from "../../testing.ts";
import { uploadFile } from "../../src/client/upload_file.ts";

const TOKEN = { authorization: "Bearer emulator-token" };

async function get(
  emulator: DocSpaceEmulator,
  path: string,
  headers: Record<string, string> = TOKEN,
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; type: string | null; json: any }> {
  const response = await emulator.app.request(path, { headers });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    json: await response.json(),
  };
}

async function mkdir(
  emulator: DocSpaceEmulator,
  parent: number | string,
  body: unknown,
  headers: Record<string, string> = TOKEN,
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; json: any }> {
  const response = await emulator.app.request(
    `/api/2.0/files/folder/${parent}`,
    {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    },
  );
  const text = await response.text();
  return {
    status: response.status,
    json: text === "" ? undefined : JSON.parse(text),
  };
}

async function put(emulator: DocSpaceEmulator, title: string, size: number) {
  const fetcher: typeof fetch = (input, init) =>
    Promise.resolve(emulator.app.request(input as string, init));
  return await uploadFile(new Blob([new Uint8Array(size)]), {
    url: "http://localhost",
    token: "emulator-token",
    folderId: 1,
    fileName: title,
    fetch: fetcher,
  });
}

Deno.test("a folder's content: folders, then files, with current, pathParts, startIndex, count and total", async () => {
  let now = Date.UTC(2026, 0, 1);
  const emulator = new DocSpaceEmulator({ now: () => now });
  const made = await mkdir(emulator, 1, { title: "photos" });
  assertEquals(made.status, 200);
  const photos = made.json.response;
  assertEquals([photos.title, photos.parentId, photos.fileEntryType], [
    "photos",
    1,
    1,
  ]);
  now += 1000;
  await put(emulator, "a.bin", 10);
  now += 1000;
  await put(emulator, "b.bin", 20);

  const { status, json } = await get(emulator, "/api/2.0/files/1");
  assertEquals(status, 200);
  const content = json.response;
  assertEquals(content.folders.map((f: { id: number }) => f.id), [photos.id]);
  // Modified, newest first: FilesSettings' default order.
  assertEquals(
    content.files.map((
      f: { title: string; pureContentLength: number; fileEntryType: number },
    ) => [
      f.title,
      f.pureContentLength,
      f.fileEntryType,
    ]),
    [["b.bin", 20, 2], ["a.bin", 10, 2]],
  );
  assertEquals(content.current.id, 1);
  assertEquals(content.current.filesCount, 2);
  assertEquals(content.current.foldersCount, 1);
  assertEquals(content.pathParts, [{ id: 1, title: "My documents" }]);
  assertEquals([content.startIndex, content.count, content.total], [0, 3, 3]);

  const sub = await get(emulator, `/api/2.0/files/${photos.id}`);
  assertEquals(sub.json.response.pathParts, [
    { id: 1, title: "My documents" },
    { id: photos.id, title: "photos" },
  ]);
  assertEquals(sub.json.response.total, 0);
  assertEquals(emulator.log.map((e) => e.mode), [
    "create-folder",
    "settings",
    "session",
    "small",
    "finalize",
    "settings",
    "session",
    "small",
    "finalize",
    "list",
    "list",
  ]);
});

Deno.test("a folder's content pages one startIndex/count window over folders, then files", async () => {
  let now = Date.UTC(2026, 0, 1);
  const emulator = new DocSpaceEmulator({ now: () => now });
  for (const title of ["f1", "f2", "f3"]) {
    now += 1000;
    await mkdir(emulator, 1, { title });
  }
  for (const title of ["x1.txt", "x2.txt", "x3.txt", "x4.txt"]) {
    now += 1000;
    await put(emulator, title, 1);
  }
  const titles = async (query: string) => {
    const { json } = await get(emulator, `/api/2.0/files/1?${query}`);
    const page = json.response;
    return {
      entries: [...page.folders, ...page.files].map((e: { title: string }) =>
        e.title
      ),
      count: page.count,
      total: page.total,
      startIndex: page.startIndex,
    };
  };
  const order = "sortBy=AZ&sortOrder=ascending";
  assertEquals(await titles(`${order}&startIndex=0&count=2`), {
    entries: ["f1", "f2"],
    count: 2,
    total: 7,
    startIndex: 0,
  });
  assertEquals(await titles(`${order}&startIndex=2&count=2`), {
    entries: ["f3", "x1.txt"],
    count: 2,
    total: 7,
    startIndex: 2,
  });
  assertEquals(await titles(`${order}&startIndex=4&count=2`), {
    entries: ["x2.txt", "x3.txt"],
    count: 2,
    total: 7,
    startIndex: 4,
  });
  assertEquals(await titles(`${order}&startIndex=6&count=2`), {
    entries: ["x4.txt"],
    count: 1,
    total: 7,
    startIndex: 6,
  });
  assertEquals((await titles(`${order}&startIndex=9`)).entries, []);
  // The order asked for becomes the user's default (FilesSettingsHelper.SetDefaultOrder).
  assertEquals((await titles("count=3")).entries, ["f1", "f2", "f3"]);
  assertEquals(
    (await titles("sortBy=AZ&sortOrder=descending&count=3")).entries,
    ["f3", "f2", "f1"],
  );
});

Deno.test("a folder's content: count 1-100, startIndex not negative, the folder readable", async () => {
  const emulator = new DocSpaceEmulator();
  for (const count of ["0", "101", "many"]) {
    const { status, type, json } = await get(
      emulator,
      `/api/2.0/files/1?count=${count}`,
    );
    assertEquals(status, 400);
    assertEquals(type, "application/problem+json; charset=utf-8");
    // CustomResponseFilterAttribute wraps the problem in the envelope
    assertEquals([json.status, json.statusCode], [1, 400]);
    assertEquals(
      json.response.title,
      "One or more validation errors occurred.",
    );
    assertEquals(json.response.errors.count, [
      count === "many"
        ? "The value 'many' is not valid for Count."
        : "The field Count must be between 1 and 100.",
    ]);
  }
  // ThrowIfLessThan(from, 0) runs before the folder is read, so a missing folder answers it too
  const negative = await get(emulator, "/api/2.0/files/999?startIndex=-1");
  assertEquals(negative.status, 400);
  assertEquals(
    negative.json.error.type,
    "System.ArgumentOutOfRangeException",
  );
  assertEquals(
    negative.json.error.message,
    "from ('-1') must be greater than or equal to '0'. (Parameter 'from')\nActual value was -1.",
  );
  const missing = await get(emulator, "/api/2.0/files/999");
  assertEquals(missing.status, 404);
  assertEquals(missing.json.error.message, "The required folder was not found");
  // Anonymous callers may ask ([AllowAnonymous]) but cannot read.
  const anonymous = await get(emulator, "/api/2.0/files/1", {});
  assertEquals(anonymous.status, 403);
  assertEquals(
    anonymous.json.error.message,
    "You don't have enough permission to view the folder content",
  );
  const anonymousMissing = await get(emulator, "/api/2.0/files/999", {});
  assertEquals(anonymousMissing.status, 403);
  // GenerateException's SecurityException: CustomExceptionHandler reports it as "Access denied"
  assertEquals(anonymousMissing.json.error.message, "Access denied");
  // The settings route is not a folder.
  assertEquals((await get(emulator, "/api/2.0/files/settings")).status, 200);
});

Deno.test("a third-party folder lists its subfolders and files too", async () => {
  const emulator = new DocSpaceEmulator();
  const made = await mkdir(emulator, "sbox-1", { title: "docs" });
  assertEquals(made.json.response.id, "sbox-1|docs");
  const { json } = await get(emulator, "/api/2.0/files/sbox-1");
  assertEquals(json.response.folders.map((f: { id: string }) => f.id), [
    "sbox-1|docs",
  ]);
});

Deno.test("creating a folder cleans its title, allows a second of the same title, and checks the parent and the right", async () => {
  const emulator = new DocSpaceEmulator({
    users: [
      { id: "admin", tokens: ["emulator-token"] },
      { id: "guest", tokens: ["guest-token"] },
    ],
    folders: [{ id: 1, title: "My documents", writers: ["admin"] }],
  });
  const first = await mkdir(emulator, 1, { title: "  a:b  " });
  assertEquals(first.status, 200);
  assertEquals(first.json.response.title, "a_b");
  // FolderDao.SaveFolderAsync does not look for a folder of that title.
  const second = await mkdir(emulator, 1, { Title: "a:b" });
  assertEquals(second.status, 200);
  assertEquals(second.json.response.title, "a_b");
  assertEquals(first.json.response.id === second.json.response.id, false);

  const noParent = await mkdir(emulator, 999, { title: "x" });
  assertEquals([noParent.status, noParent.json.error.message], [
    403,
    "The required folder was not found",
  ]);
  const noRight = await mkdir(emulator, 1, { title: "x" }, {
    authorization: "Bearer guest-token",
  });
  assertEquals([noRight.status, noRight.json.error.message], [
    403,
    "You don't have enough permission to create",
  ]);
  const anonymous = await mkdir(emulator, 1, { title: "x" }, {});
  assertEquals([anonymous.status, anonymous.json], [401, undefined]);
  const blank = await mkdir(emulator, 1, { title: "   " });
  assertEquals([blank.status, blank.json.error.message], [
    400,
    "The value cannot be an empty string. (Parameter 'title')",
  ]);
  const long = await mkdir(emulator, 1, { title: "x".repeat(166) });
  assertEquals(long.status, 400);
  assertEquals(long.json.response.errors.Title, [
    "The field Title must be a string with a maximum length of 165.",
  ]);
  const none = await mkdir(emulator, 1, {});
  assertEquals(none.json.response.errors.Title, [
    "The Title field is required.",
  ]);
});
