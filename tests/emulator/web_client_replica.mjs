#!/usr/bin/env node
// A faithful replica of the upload flow of DocSpace's own web client, for Node 20+ with Node's own `fetch`,
// `FormData`, `Blob` and `File` (no dependencies, no TypeScript). It is an independent second client: it shares
// no code with this project, so a protocol both it and the project's client agree on is the web client's. It
// is also a benchmark peer: given files and folders, it uploads them as the web client would, folders first,
// up to 5 files at once, 3 chunk requests at once per file.
//
// It follows ONLYOFFICE/DocSpace-client at commit 4b8d3aacec2e7f872b5c62e85cb9f4461ee8405d
// ("Merge hotfix/v3.6.1 into master"), read from /work/.mirror/ONLYOFFICE+DocSpace-client/repo:
//
// - packages/client/src/store/FilesSettingsStore.js
//     93-97   defaults `chunkUploadSize = 1024 * 1023; maxUploadThreadCount = 15; maxUploadFilesCount = 5;`
//     197-203 `setFilesSettings`: every key of GET /files/settings overwrites the default of that name
//     213-219 `getFilesSettings`: read once (`if (this.isLoadedSettingsTree) return`), when the files page
//             loads (packages/client/src/store/FilesStore.js 1232), not per upload
//     183-185 `get uploadThreadCount() { return this.maxUploadThreadCount / this.maxUploadFilesCount; }`
//             (15 / 5 = 3 chunk requests at once per file)
// - packages/shared/api/files/index.ts
//     1189-1197 `getSettingsFiles`: `GET /files/settings` (axios baseURL `/api/2.0`)
//     391-405 `createFolder(parentFolderId, title)`: `POST /files/folder/${parentFolderId}` with `{ title }`
//     1691-1703 `checkIsFileExist(folderId, filesTitle)`: `POST files/${folderId}/upload/check`
//     697-722 `startUploadSession`: `POST /files/${folderId}/upload/create_session` with
//             `{ fileName, fileSize, relativePath, encrypted, createOn, CreateNewIfExist }`
//     724-727 `uploadFile(url, data) { return axios.post(url, data); }` (the absolute `location`)
// - packages/shared/utils/axiosClient.ts 245 `return response.data.response;` (the envelope is unwrapped)
// - packages/client/src/components/Article/MainButton/index.js 292-303 (and HOCs/withFileActions.js 64-79 for
//     a drop): every pick goes through `createFoldersTree(t, files)`, then `startUpload(filesList, …)`.
// - packages/client/src/store/FilesActionsStore.js
//     354-411 `createFoldersTree`: drops hidden entries (367 `/(^|\/)\.[^\/\.]/`), builds the tree
//             (295-320 `convertToTree`, by each entry's `path`, first appearance first; an empty directory is
//             a folder node), then `createFolderTree` before any upload starts;
//     322-350 `createFolderTree`: depth first, one `await createFolder(parentFolderId, name.trimEnd())` at a
//             time (340); a file gets `file.parentFolderId = parentFolderId` (335), in visiting order.
// - packages/client/src/store/UploadDataStore.js
//     1075-1177 `startUpload`: one entry per file, `toFolderId: file.parentFolderId` (1116).
//     1021-1073 `handleUploadConflicts`: when a file goes into the target folder itself (1025), one
//             `checkIsFileExist(toFolderId, <every file's name>)` (1032), then `getFolderInfo(toFolderId)`
//             (1033; left out here: the emulator does not serve `GET /files/folder/{id}`); conflicts open a
//             dialog whose choice is `createNewIfExist` (this replica proceeds with --create-new-if-exist).
//     1672-1694 `startUploadFiles` → 893-915 `parallelUploading`: starts `min(files, maxUploadFilesCount)`
//             files (896-899, 902 `if (this.currentUploadNumber <= maxUploadFilesCount)`);
//             1326-1341 (in checkChunkUpload) when a reply says `uploaded`, `currentUploadNumber -= 1` and the
//             next file not yet `inAction` starts: a rolling window of 5 files; 1789-1851 an error does the
//             same. So at most 5 × 3 = 15 (`maxUploadThreadCount`) chunk requests at once in total, never a
//             shared pool: each file has its own 3 workers, and a file with one chunk uses one.
//     1696-1888 `startSessionFunc`: `createNewIfExist = true` by default; 1730-1733
//             `chunks = file.size === 0 ? 1 : Math.ceil(file.size / chunkUploadSize, chunkUploadSize)`;
//             1737-1745 `startUploadSession(toFolderId, fileName, fileSize, "", file.encrypted,
//             file.lastModifiedDate, createNewIfExist)` (a Date: JSON makes it an ISO string);
//             1747 `const location = res.data.location;`; 1754-1760 one FormData per chunk:
//             `formData.append("file", file.slice(offset, offset + chunkUploadSize));`
//     1513-1600 `uploadFileChunks`: 1528 `const isThirdPartyFolder = typeof toFolderId === "string";`
//             numbered (non-third-party): 1531-1548 one entry per chunk, `uploadFile(
//             `${location}&chunkNumber=${index + 1}&upload=true`, requestsDataArray[index])`, then one
//             finalize entry `uploadFile(`${location}&finalize=true`)` (no body);
//             1555-1567 `let i = length <= uploadThreadCount ? length : uploadThreadCount;` workers;
//             third-party: 1570-1598 one chunk after another, `await uploadFile(location, requestsDataArray[index])`
//             (no upload / chunkNumber parameters).
//     1395-1511 `asyncUpload`: a worker takes the first chunk `!x.isActive && !x.isFinalize`, marks it active,
//             awaits it, marks it finished, rejects on `!res.data.data && res.data.message`, starts the next
//             worker, runs `checkChunkUpload`; when no chunk is `!x.isFinished && !x.isFinalize` any more
//             (1470-1475, the last chunk to finish), it sends the finalize and checks its reply (1477-1505).
//     1263-1393 `checkChunkUpload`: rejects on `!res.data.data && res.data.message`; takes
//             `{ uploaded, id, file }` from `res.data.data`; when `uploaded`, records the file id and reads
//             `fileInfo.version` (1345); then `if (!isAsyncUpload || res.status === 201) return resolve();`
//     So a small file (< chunkUploadSize) is sent like a large one: chunk 1 (`&chunkNumber=1&upload=true`),
//     then `&finalize=true`, and the upload completes when a reply is 201 with `uploaded: true`.
//
// Differences, all outside the protocol: the browser authenticates with its `asc_auth_key` cookie
// (axiosClient.ts 112 `withCredentials: true`), this replica with `Authorization` (any token with a space is
// sent as is, otherwise as `Bearer <token>`); no `getFolderInfo` (above), no conversion step, no progress
// bar. With `--file` or `--size` (one file, the older interface) there are no folders and no conflict check:
// only settings, the session and its chunks. `createOn` is the file's mtime (`--size` bytes have none: it is
// left out, as in browsers without `lastModifiedDate`). Where the web client would hang (no reply ever
// answers 201 with `uploaded: true`) or ignore an error (a third-party chunk with `success: false`), this
// replica fails and says so.
//
// Usage (flags, or the environment variables in brackets):
//   node tests/emulator/web_client_replica.mjs --url URL [DOCSPACE_URL] --token TOKEN [DOCSPACE_TOKEN]
//     --folder ID [DOCSPACE_FOLDER] (digits: a DocSpace folder; anything else: a third-party folder)
//     ( PATH... | --file PATH [FILE] | --size BYTES [SIZE] --seed N [SEED] [--name NAME [NAME]] )
//     [--create-new-if-exist true|false] [--timeout MS] [--sha256]
// PATHs are files and folders, uploaded as one pick of them in the web client: a folder is created with its
// subfolders, then its files go in. It prints one JSON line: for PATHs `{"ok":true,"files":N,"folders":N,
// "bytes":N,"requests":N,"byKind":{…},"peakInFlight":N,"seconds":S,"uploaded":[{path,fileId,folderId,…}]}`;
// for one file `{"ok":true,"status":201,"fileId":…,"sha256":"…",…,"requests":[…]}`; on failure
// `{"ok":false,"error":"…",…}` (and the message on stderr), exit 1 (2 for a usage error).
// `--size`/`--seed` bytes come from xorshift32 (see `seededBytes`), so a test can rebuild them.

import { createHash } from "node:crypto";
import { openAsBlob } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";

class UsageError extends Error {}

/** Every request, for the JSON line. */
const requests = [];
let batchMode = false;

function fail(error) {
  const message = error instanceof Error ? error.message : String(error);
  const usage = error instanceof UsageError;
  process.stderr.write(`web_client_replica: ${message}\n`);
  process.stdout.write(
    `${
      JSON.stringify({
        ok: false,
        error: message,
        requests: batchMode ? requests.length : requests,
      })
    }\n`,
  );
  process.exit(usage ? 2 : 1);
}

/** Bytes from xorshift32 seeded with `seed`: the same bytes for the same size and seed, everywhere. */
export function seededBytes(size, seed) {
  const bytes = new Uint8Array(size);
  let x = (seed >>> 0) || 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

function readOptions() {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      options: {
        url: { type: "string" },
        token: { type: "string" },
        folder: { type: "string" },
        file: { type: "string" },
        size: { type: "string" },
        seed: { type: "string" },
        name: { type: "string" },
        "create-new-if-exist": { type: "string" },
        timeout: { type: "string" },
        sha256: { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  const env = process.env;
  const url = values.url ?? env.DOCSPACE_URL;
  const token = values.token ?? env.DOCSPACE_TOKEN;
  const folder = values.folder ?? env.DOCSPACE_FOLDER;
  const paths = positionals;
  const file = values.file ?? (paths.length > 0 ? undefined : env.FILE);
  const size = values.size ?? (paths.length > 0 ? undefined : env.SIZE);
  const seed = values.seed ?? env.SEED ?? "1";
  const name = values.name ?? env.NAME;
  const createNew = values["create-new-if-exist"] ?? "true";
  const timeout = Number(values.timeout ?? "120000");
  if (!url) {
    throw new UsageError(
      "--url (or DOCSPACE_URL) is required: the portal's URL",
    );
  }
  if (!token) throw new UsageError("--token (or DOCSPACE_TOKEN) is required");
  if (!folder) {
    throw new UsageError("--folder (or DOCSPACE_FOLDER) is required");
  }
  const sources = [paths.length > 0, file !== undefined, size !== undefined]
    .filter(Boolean).length;
  if (sources !== 1) {
    throw new UsageError(
      "give files and folders to upload, or --file PATH, or --size BYTES (with --seed N)",
    );
  }
  if (size !== undefined && !/^\d+$/.test(size)) {
    throw new UsageError(
      `--size must be a whole number of bytes, received ${
        JSON.stringify(size)
      }`,
    );
  }
  if (!/^\d+$/.test(seed)) {
    throw new UsageError(
      `--seed must be a whole number, received ${JSON.stringify(seed)}`,
    );
  }
  if (createNew !== "true" && createNew !== "false") {
    throw new UsageError("--create-new-if-exist must be true or false");
  }
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new UsageError("--timeout must be a positive number of ms");
  }
  return {
    base: url.replace(/\/+$/, ""),
    token,
    // Folder ids come from the API as JSON: numbers for DocSpace folders, strings for third-party storage.
    folderId: /^\d+$/.test(folder) ? Number(folder) : folder,
    paths,
    file,
    size: size === undefined ? undefined : Number(size),
    seed: Number(seed),
    name,
    createNewIfExist: createNew === "true",
    timeout,
    sha256: values.sha256 === true,
  };
}

async function sha256Of(blob) {
  const hash = createHash("sha256");
  for await (const part of blob.stream()) hash.update(part);
  return hash.digest("hex");
}

/** axios' behaviour for what the web client relies on: 2xx or throw; `data` is the parsed JSON (or the text). */
async function send(url, init, record) {
  const entry = { ...record, status: 0 };
  requests.push(entry);
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    entry.error = String(error?.cause ?? error);
    throw new Error(`${describe(record)}: the request failed: ${entry.error}`);
  }
  const text = await response.text();
  entry.status = response.status;
  let data = text;
  try {
    data = JSON.parse(text);
  } catch {
    // axios' silent JSON parsing keeps the text
  }
  if (data && typeof data === "object" && typeof data.success === "boolean") {
    entry.success = data.success;
    if (data.message) entry.message = data.message;
  }
  if (response.status < 200 || response.status > 299) {
    throw new Error(
      `${describe(record)}: HTTP ${response.status} (axios rejects it): ${
        text.slice(0, 500)
      }`,
    );
  }
  return { status: response.status, data };
}

function describe(record) {
  const where = record.file === undefined ? "" : ` (file ${record.file})`;
  return record.kind === "chunk"
    ? `chunk ${record.chunkNumber ?? "(sequential)"}${where}`
    : `${record.kind}${where}`;
}

/** `request(options)` of axiosClient: the envelope's `response`, or an error naming what came instead. */
async function api(ctx, method, path, body, record) {
  const reply = await send(`${ctx.base}/api/2.0/${path}`, {
    method,
    headers: body === undefined
      ? ctx.headers
      : { ...ctx.headers, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }, record);
  const response = reply.data?.response;
  if (response === undefined) {
    throw new Error(
      `${describe(record)}: the reply has no envelope response: ${
        JSON.stringify(reply.data).slice(0, 300)
      }`,
    );
  }
  return response;
}

/** FilesSettingsStore: defaults, then every key of the settings (setFilesSettings), read once. */
async function readSettings(ctx) {
  const store = {
    chunkUploadSize: 1024 * 1023,
    maxUploadThreadCount: 15,
    maxUploadFilesCount: 5,
  };
  const settings = await api(ctx, "GET", "files/settings", undefined, {
    kind: "settings",
  });
  if (!settings || typeof settings !== "object") {
    throw new Error(
      `settings: the reply's response is ${JSON.stringify(settings)}`,
    );
  }
  Object.assign(store, settings);
  if (
    !Number.isSafeInteger(store.chunkUploadSize) || store.chunkUploadSize <= 0
  ) {
    throw new Error(
      `settings: chunkUploadSize is ${JSON.stringify(store.chunkUploadSize)}`,
    );
  }
  if (
    !Number.isSafeInteger(store.maxUploadFilesCount) ||
    store.maxUploadFilesCount <= 0
  ) {
    throw new Error(
      `settings: maxUploadFilesCount is ${
        JSON.stringify(store.maxUploadFilesCount)
      }`,
    );
  }
  store.uploadThreadCount = store.maxUploadThreadCount /
    store.maxUploadFilesCount;
  return store;
}

/**
 * startSessionFunc + uploadFileChunks for one file (`item`: `{ file, toFolderId, index }`). Resolves when the
 * web client's upload promise would; calls `onUploaded()` at the moment the web client starts the next file
 * (a reply with `uploaded: true`). Rejects where the web client would record an error on the file.
 */
async function uploadOne(ctx, item, onUploaded) {
  const { store } = ctx;
  const { file, toFolderId } = item;
  const { chunkUploadSize, uploadThreadCount } = store;
  const tag = ctx.batch ? { file: item.index } : {};
  const chunks = file.size === 0
    ? 1
    : Math.ceil(file.size / chunkUploadSize, chunkUploadSize);
  const res = await api(
    ctx,
    "POST",
    `files/${toFolderId}/upload/create_session`,
    {
      fileName: file.name,
      fileSize: file.size,
      relativePath: "",
      encrypted: file.encrypted,
      createOn: file.lastModifiedDate,
      CreateNewIfExist: ctx.createNewIfExist,
    },
    { kind: "create", ...tag },
  );
  const location = res?.data?.location;
  if (typeof location !== "string") {
    throw new Error(
      `${
        describe({ kind: "create", ...tag })
      }: the reply has no data.location: ${JSON.stringify(res).slice(0, 500)}`,
    );
  }
  const requestsDataArray = [];
  let chunk = 0;
  while (chunk < chunks) {
    const offset = chunk * chunkUploadSize;
    const formData = new FormData();
    formData.append("file", file.slice(offset, offset + chunkUploadSize));
    requestsDataArray.push(formData);
    chunk++;
  }

  // uploadFile(url, data) = axios.post(url, data): a FormData body, or none for the finalize.
  let inFlight = 0;
  let peakInFlight = 0;
  const uploadFile = async (url, data, record) => {
    inFlight++;
    ctx.inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    ctx.peakInFlight = Math.max(ctx.peakInFlight, ctx.inFlight);
    try {
      return await send(url, {
        method: "POST",
        headers: ctx.headers,
        ...(data === undefined ? {} : { body: data }),
      }, { ...record, ...tag });
    } finally {
      inFlight--;
      ctx.inFlight--;
    }
  };

  // The state checkChunkUpload keeps on `this.files[indexOfFile]`.
  const currentFile = { fileId: null, fileInfo: null, action: "upload" };
  let completedBy; // the reply that resolved the upload
  const ignored = []; // errors the web client would not act on
  const checkChunkUpload = (
    res,
    { isAsyncUpload, isFinalize, resolve, reject, record },
  ) => {
    if (!res.data.data && res.data.message) {
      return reject(
        new Error(
          `${
            describe(isFinalize ? { kind: "finalize", ...tag } : record)
          }: ${res.data.message}`,
        ),
      );
    }
    const { uploaded, id: fileId, file: fileInfo } = res.data.data;
    if (uploaded) {
      currentFile.action = "uploaded";
      currentFile.fileId = fileId;
      currentFile.fileInfo = fileInfo;
      onUploaded(); // currentUploadNumber -= 1; startSessionFunc(nextFileIndex)
      if (fileInfo.version > 2) {
        // setHighlightFile: not protocol
      }
    }
    if (!currentFile.fileId) return;
    if (!isAsyncUpload || res.status === 201) {
      completedBy ??= { status: res.status, record, data: res.data.data };
      return resolve();
    }
  };

  const isThirdPartyFolder = typeof toFolderId === "string";
  if (!isThirdPartyFolder) {
    const length = requestsDataArray.length;
    const chunksArray = [];
    for (let index = 0; index < length; index++) {
      chunksArray.push({
        isActive: false,
        isFinished: false,
        isFinalize: false,
        record: { kind: "chunk", chunkNumber: index + 1, ...tag },
        onUpload: () =>
          uploadFile(
            `${location}&chunkNumber=${index + 1}&upload=true`,
            requestsDataArray[index],
            { kind: "chunk", chunkNumber: index + 1 },
          ),
      });
    }
    chunksArray.push({
      isActive: false,
      isFinished: false,
      isFinalize: true,
      record: { kind: "finalize", ...tag },
      onUpload: () =>
        uploadFile(`${location}&finalize=true`, undefined, {
          kind: "finalize",
        }),
    });
    const asyncUploadObj = { [res.data.id]: { chunksArray } };
    const operationId = res.data.id;

    let pending = 0;
    let settled = false;
    let drained;
    const allDone = new Promise((resolve) => (drained = resolve));
    const asyncUpload = async (resolve, reject) => {
      if (!asyncUploadObj[operationId]) {
        return reject(new Error("the upload was dropped after an error"));
      }
      const chunkObjIndex = asyncUploadObj[operationId].chunksArray.findIndex((
        x,
      ) => !x.isActive && !x.isFinalize);
      if (chunkObjIndex !== -1) {
        asyncUploadObj[operationId].chunksArray[chunkObjIndex].isActive = true;
        const record =
          asyncUploadObj[operationId].chunksArray[chunkObjIndex].record;
        try {
          const res = await asyncUploadObj[operationId]
            .chunksArray[chunkObjIndex].onUpload();
          if (asyncUploadObj[operationId]) {
            asyncUploadObj[operationId].chunksArray[chunkObjIndex].isFinished =
              true;
          }
          if (!res.data.data && res.data.message) {
            delete asyncUploadObj[operationId];
            return reject(
              new Error(`${describe(record)}: ${res.data.message}`),
            );
          }
          start(resolve, reject);
          checkChunkUpload(res, {
            isAsyncUpload: true,
            isFinalize: false,
            resolve,
            reject,
            record,
          });
          let finalizeChunk = -1;
          if (asyncUploadObj[operationId]) {
            finalizeChunk = asyncUploadObj[operationId].chunksArray.findIndex((
              x,
            ) => !x.isFinished && !x.isFinalize);
          }
          if (finalizeChunk === -1) {
            const finalizeChunkIndex = asyncUploadObj[operationId].chunksArray
              .findIndex((x) => x.isFinalize);
            if (finalizeChunkIndex > -1) {
              const finalizeRes = await asyncUploadObj[operationId]
                .chunksArray[finalizeChunkIndex].onUpload();
              checkChunkUpload(finalizeRes, {
                isAsyncUpload: true,
                isFinalize: true,
                resolve,
                reject,
                record: { kind: "finalize", ...tag },
              });
            }
          }
        } catch (error) {
          return reject(error);
        }
      }
    };
    // Each call of asyncUpload is counted, so a run that ends without resolving is reported, not waited on.
    const start = (resolve, reject) => {
      pending++;
      asyncUpload(resolve, reject).finally(() => {
        if (--pending === 0) drained();
      });
    };
    const promise = new Promise((resolve, reject) => {
      const settle = (fn) => (value) => {
        if (!settled) {
          settled = true;
          fn(value);
        } else if (value instanceof Error) {
          ignored.push(value.message);
        }
      };
      const done = settle(resolve);
      const failed = settle(reject);
      if (!Number.isInteger(uploadThreadCount)) {
        // `while (i !== 0) { …; i-- }` never reaches 0 from a fraction: the web client would spin forever.
        if (length > uploadThreadCount) {
          return failed(
            new Error(
              `uploadThreadCount = ${store.maxUploadThreadCount} / ${store.maxUploadFilesCount} = ${uploadThreadCount} is not a whole number: the web client's worker loop would never end`,
            ),
          );
        }
      }
      let i = length <= uploadThreadCount ? length : uploadThreadCount;
      while (i !== 0) {
        start(done, failed);
        i--;
      }
    });
    promise.catch(() => {}); // awaited below, once every request has been answered
    if (pending === 0) drained(); // no worker started
    await allDone;
    if (!settled) {
      throw new Error(
        `${
          describe({ kind: "upload", ...tag })
        }: every request was answered but none completed the upload (201 with uploaded:true): the web client would wait forever`,
      );
    }
    await promise;
  } else {
    const resolve = () => {};
    const reject = (error) => ignored.push(error.message); // the web client's Promise.reject(err) goes nowhere
    for (let index = 0; index < requestsDataArray.length; index++) {
      const record = { kind: "chunk", ...tag };
      const res = await uploadFile(location, requestsDataArray[index], {
        kind: "chunk",
      });
      checkChunkUpload(res, {
        isAsyncUpload: false,
        isFinalize: false,
        resolve,
        reject,
        record,
      });
    }
  }

  if (ignored.length > 0) {
    throw new Error(
      `a reply the web client ignores reported an error: ${ignored.join("; ")}`,
    );
  }
  if (completedBy === undefined) {
    throw new Error(
      `${
        describe({ kind: "upload", ...tag })
      }: no reply completed the upload (uploaded:true with a file id)`,
    );
  }
  if (completedBy.status !== 201) {
    throw new Error(
      `${
        describe({ kind: "upload", ...tag })
      }: the upload completed with HTTP ${completedBy.status}, not 201`,
    );
  }
  if (currentFile.fileId === null || currentFile.fileId === undefined) {
    throw new Error("the completing reply has no file id");
  }
  return {
    completedBy,
    currentFile,
    chunks,
    peakInFlight,
    mode: isThirdPartyFolder ? "sequential" : "numbered",
  };
}

/**
 * startUploadFiles → parallelUploading: `maxUploadFilesCount` files at once; each file's `uploaded` reply (or
 * its error) starts the next file not yet in action. Resolves when every file has succeeded or failed.
 */
function uploadAll(ctx, items) {
  const { maxUploadFilesCount } = ctx.store;
  const results = new Array(items.length);
  let next = 0;
  let running = 0;
  return new Promise((resolve) => {
    const finished = () => {
      if (--running === 0 && next >= items.length) resolve(results);
    };
    const startSessionFunc = () => {
      if (next >= items.length) return;
      const item = items[next++];
      running++;
      let startedNext = false;
      const startNext = () => {
        if (!startedNext) {
          startedNext = true;
          startSessionFunc();
        }
      };
      uploadOne(ctx, item, startNext).then(
        (result) => (results[item.index] = { ok: true, ...result }),
        (error) => {
          results[item.index] = { ok: false, error: error.message };
          startNext(); // the catch of startSessionFunc: currentUploadNumber -= 1, next file
        },
      ).finally(finished);
    };
    const countFiles = Math.min(items.length, maxUploadFilesCount);
    if (countFiles === 0) return resolve(results);
    for (let i = 0; i < countFiles; i++) startSessionFunc();
  });
}

/** The entries a browser gives for the picked paths: files (and empty folders) with their relative paths. */
async function collectEntries(paths) {
  const entries = [];
  const walk = async (path, relative) => {
    const info = await stat(path);
    if (info.isDirectory()) {
      const names = (await readdir(path)).sort();
      if (names.length === 0) {
        entries.push({ path: relative, isEmptyDirectory: true, source: path });
      }
      for (const name of names) {
        await walk(join(path, name), `${relative}/${name}`);
      }
    } else if (info.isFile()) {
      entries.push({ path: relative, source: path, mtimeMs: info.mtimeMs });
    }
  };
  for (const path of paths) {
    await walk(path, basename(path.replace(/\/+$/, "")) || path);
  }
  return entries;
}

/**
 * FilesActionsStore.convertToTree: nodes by path segment, first appearance first. (The web client keys its
 * levels on a plain object; a Map here, so a segment named like an Object property stays a name.)
 */
function convertToTree(entries) {
  const root = { result: [], names: new Map() };
  for (const entry of entries) {
    const folderPath = entry.path.split("/").filter((name) => name !== "");
    folderPath.reduce((r, name, i) => {
      if (!r.names.has(name)) {
        const level = { result: [], names: new Map() };
        r.names.set(name, level);
        r.result.push({
          name,
          children: level.result,
          isFile: folderPath.length - 1 === i && !entry.isEmptyDirectory,
          file: entry,
        });
      }
      return r.names.get(name);
    }, root);
  }
  return root.result;
}

/** FilesActionsStore.createFolderTree: depth first, one folder at a time; files get their folder's id. */
async function createFolderTree(ctx, treeList, parentFolderId, filesList) {
  for (const node of treeList) {
    if (node.isFile) {
      node.file.parentFolderId = parentFolderId;
      filesList.push(node.file);
      continue;
    }
    const folder = await api(
      ctx,
      "POST",
      `files/folder/${parentFolderId}`,
      { title: node.name.trimEnd() },
      { kind: "create-folder" },
    );
    if (folder?.id === undefined) {
      throw new Error(
        `create-folder: the reply has no folder id: ${
          JSON.stringify(folder).slice(0, 300)
        }`,
      );
    }
    ctx.folders++;
    if (node.children.length === 0) continue;
    await createFolderTree(ctx, node.children, folder.id, filesList);
  }
}

/** A browser's File for an entry: cut with slice, never read whole; `lastModifiedDate` from the mtime. */
async function fileOf(path, name, mtimeMs) {
  const file = new File([await openAsBlob(path)], name);
  if (mtimeMs !== undefined) file.lastModifiedDate = new Date(mtimeMs);
  return file;
}

async function runBatch(ctx, options) {
  const started = performance.now();
  ctx.store = await readSettings(ctx); // loaded with the files page, before any pick
  const hidden = /(^|\/)\.[^\/\.]/;
  const entries = (await collectEntries(options.paths)).filter((e) =>
    !hidden.test(e.path)
  );
  const filesList = [];
  await createFolderTree(
    ctx,
    convertToTree(entries),
    options.folderId,
    filesList,
  );
  const items = await Promise.all(filesList.map(async (entry, index) => ({
    index,
    entry,
    toFolderId: entry.parentFolderId,
    file: await fileOf(
      entry.source,
      basename(entry.path),
      entry.mtimeMs,
    ),
  })));
  // handleUploadConflicts: one check of every name, when a file goes into the target folder itself.
  let conflicts = [];
  if (items.some((item) => item.toFolderId === options.folderId)) {
    conflicts = await api(
      ctx,
      "POST",
      `files/${options.folderId}/upload/check`,
      { filesTitle: items.map((item) => item.file.name) },
      { kind: "check" },
    );
  }
  const results = await uploadAll(ctx, items);
  const seconds = (performance.now() - started) / 1000;
  const failed = results.filter((r) => !r.ok);
  const byKind = {};
  for (const r of requests) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  const uploaded = [];
  for (const item of items) {
    const r = results[item.index];
    if (!r.ok) continue;
    uploaded.push({
      path: item.entry.path,
      fileId: r.currentFile.fileId,
      folderId: item.toFolderId,
      size: item.file.size,
      chunks: r.chunks,
      ...(options.sha256 ? { sha256: await sha256Of(item.file) } : {}),
    });
  }
  const summary = {
    ok: failed.length === 0,
    files: items.length,
    folders: ctx.folders,
    bytes: items.reduce((sum, item) => sum + item.file.size, 0),
    requests: requests.length,
    byKind,
    peakInFlight: ctx.peakInFlight,
    maxUploadFilesCount: ctx.store.maxUploadFilesCount,
    uploadThreadCount: ctx.store.uploadThreadCount,
    chunkUploadSize: ctx.store.chunkUploadSize,
    conflicts,
    seconds: Number(seconds.toFixed(3)),
    uploaded,
    ...(failed.length === 0 ? {} : {
      error: `${failed.length} of ${items.length} files failed: ${
        failed.slice(0, 5).map((r) => r.error).join("; ")
      }`,
    }),
  };
  if (!summary.ok) {
    process.stderr.write(`web_client_replica: ${summary.error}\n`);
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (!summary.ok) process.exit(1);
}

async function runOne(ctx, options) {
  // The file, as a browser's File: a path is opened as a Blob (cut with slice, never read whole).
  let file;
  if (options.file !== undefined) {
    file = await fileOf(
      options.file,
      options.name ?? basename(options.file),
      (await stat(options.file)).mtimeMs,
    );
  } else {
    file = new File(
      [seededBytes(options.size, options.seed)],
      options.name ?? `replica-${options.size}.bin`,
    );
  }
  const sha256 = await sha256Of(file);
  ctx.store = await readSettings(ctx);
  const result = await uploadOne(
    ctx,
    { file, toFolderId: options.folderId, index: 0 },
    () => {},
  );
  const last = requests[requests.length - 1];
  process.stdout.write(
    `${
      JSON.stringify({
        ok: true,
        status: result.completedBy.status,
        lastStatus: last.status,
        fileId: result.currentFile.fileId,
        title: result.currentFile.fileInfo?.title,
        version: result.currentFile.fileInfo?.version,
        contentLength: result.currentFile.fileInfo?.contentLength,
        sha256,
        size: file.size,
        fileName: file.name,
        folderId: options.folderId,
        mode: result.mode,
        chunkUploadSize: ctx.store.chunkUploadSize,
        uploadThreadCount: ctx.store.uploadThreadCount,
        chunks: result.chunks,
        peakInFlight: result.peakInFlight,
        requests,
      })
    }\n`,
  );
}

async function main() {
  // Deno runs `node` itself when no Node is on PATH; its FormData frames parts differently. Only Node will do.
  if (
    globalThis.Deno !== undefined || process.versions.deno ||
    process.versions.bun
  ) {
    throw new UsageError(
      `this replica must run in Node 20+ (with Node's own fetch and FormData), not ${
        process.versions.deno
          ? `Deno ${process.versions.deno}`
          : `Bun ${process.versions.bun}`
      }`,
    );
  }
  if (Number(process.versions.node.split(".")[0]) < 20) {
    throw new UsageError(`this replica needs Node 20+, not ${process.version}`);
  }
  const options = readOptions();
  batchMode = options.paths.length > 0;
  const deadline = setTimeout(
    () =>
      fail(
        new Error(
          `no result after ${options.timeout} ms (the web client would still be waiting)`,
        ),
      ),
    options.timeout,
  );
  deadline.unref();
  const authorization = options.token.includes(" ")
    ? options.token
    : `Bearer ${options.token}`;
  const ctx = {
    base: options.base,
    headers: { authorization, accept: "application/json" },
    createNewIfExist: options.createNewIfExist,
    batch: batchMode,
    store: undefined,
    folders: 0,
    inFlight: 0,
    peakInFlight: 0,
  };
  if (batchMode) await runBatch(ctx, options);
  else await runOne(ctx, options);
  clearTimeout(deadline);
}

let finished = false;
// A promise that can never settle leaves Node's event loop empty: say so instead of exiting 0 in silence.
process.on("beforeExit", () => {
  if (!finished) {
    fail(new Error("the run ended without a result: a promise never settled"));
  }
});
main().then(() => (finished = true), fail);
