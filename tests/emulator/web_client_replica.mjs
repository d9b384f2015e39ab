#!/usr/bin/env node
// A faithful replica of the upload flow of DocSpace's own web client, for Node 20+ with Node's own `fetch`,
// `FormData`, `Blob` and `File` (no dependencies, no TypeScript). It is an independent second client: it shares
// no code with this project, so a protocol both it and the project's client agree on is the web client's.
//
// It follows ONLYOFFICE/DocSpace-client at commit 4b8d3aacec2e7f872b5c62e85cb9f4461ee8405d
// ("Merge hotfix/v3.6.1 into master"), read from /work/.mirror/ONLYOFFICE+DocSpace-client/repo:
//
// - packages/client/src/store/FilesSettingsStore.js
//     93-97   defaults `chunkUploadSize = 1024 * 1023; maxUploadThreadCount = 15; maxUploadFilesCount = 5;`
//     197-203 `setFilesSettings`: every key of GET /files/settings overwrites the default of that name
//     183-185 `get uploadThreadCount() { return this.maxUploadThreadCount / this.maxUploadFilesCount; }`
//             (15 / 5 = 3 chunk requests at once per file)
// - packages/shared/api/files/index.ts
//     1189-1197 `getSettingsFiles`: `GET /files/settings` (axios baseURL `/api/2.0`)
//     697-722 `startUploadSession`: `POST /files/${folderId}/upload/create_session` with
//             `{ fileName, fileSize, relativePath, encrypted, createOn, CreateNewIfExist }`
//     724-727 `uploadFile(url, data) { return axios.post(url, data); }` (the absolute `location`)
// - packages/shared/utils/axiosClient.ts 245 `return response.data.response;` (the envelope is unwrapped)
// - packages/client/src/store/UploadDataStore.js
//     1696-1888 `startSessionFunc`: `createNewIfExist = true` by default; 1730-1733
//             `chunks = file.size === 0 ? 1 : Math.ceil(file.size / chunkUploadSize, chunkUploadSize)`;
//             1737-1745 `startUploadSession(toFolderId, fileName, fileSize, "", file.encrypted,
//             file.lastModifiedDate, createNewIfExist)`;
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
// sent as is, otherwise as `Bearer <token>`); it uploads one file (the web client runs up to
// `maxUploadFilesCount` files at once, each with its own `uploadThreadCount` workers); Node's `File` has no
// `lastModifiedDate`, so `createOn` is left out (undefined), as in browsers without it; no conversion step.
// Where the web client would hang (no reply ever answers 201 with `uploaded: true`) or ignore an error (a
// third-party chunk with `success: false`), this replica fails and says so.
//
// Usage (flags, or the environment variables in brackets):
//   node tests/web_client_replica.mjs --url URL [DOCSPACE_URL] --token TOKEN [DOCSPACE_TOKEN]
//     --folder ID [DOCSPACE_FOLDER] (digits: a DocSpace folder; anything else: a third-party folder)
//     ( --file PATH [FILE] | --size BYTES [SIZE] --seed N [SEED] )  [--name NAME [NAME]]
//     [--create-new-if-exist true|false] [--timeout MS]
// It prints one JSON line: `{"ok":true,"status":201,"fileId":…,"sha256":"…",…}`, or on failure
// `{"ok":false,"error":"…",…}` (and the message on stderr) and exits 1 (2 for a usage error).
// `--size`/`--seed` bytes come from xorshift32 (see `seededBytes`), so a test can rebuild them.

import { createHash } from "node:crypto";
import { openAsBlob } from "node:fs";
import { basename } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";

class UsageError extends Error {}

/** What the run did, for the JSON line. */
const requests = [];

function fail(error) {
  const message = error instanceof Error ? error.message : String(error);
  const usage = error instanceof UsageError;
  process.stderr.write(`web_client_replica: ${message}\n`);
  process.stdout.write(
    `${JSON.stringify({ ok: false, error: message, requests })}\n`,
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
  try {
    ({ values } = parseArgs({
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
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  const env = process.env;
  const url = values.url ?? env.DOCSPACE_URL;
  const token = values.token ?? env.DOCSPACE_TOKEN;
  const folder = values.folder ?? env.DOCSPACE_FOLDER;
  const file = values.file ?? env.FILE;
  const size = values.size ?? env.SIZE;
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
  if ((file === undefined) === (size === undefined)) {
    throw new UsageError(
      "give either --file PATH or --size BYTES (with --seed N)",
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
    file,
    size: size === undefined ? undefined : Number(size),
    seed: Number(seed),
    name,
    createNewIfExist: createNew === "true",
    timeout,
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
  return record.kind === "chunk"
    ? `chunk ${record.chunkNumber ?? "(sequential)"}`
    : record.kind;
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
  const headers = { authorization, accept: "application/json" };

  // The file, as a browser's File: a path is opened as a Blob (cut with slice, never read whole).
  let file;
  if (options.file !== undefined) {
    const blob = await openAsBlob(options.file);
    file = new File([blob], options.name ?? basename(options.file));
  } else {
    file = new File(
      [seededBytes(options.size, options.seed)],
      options.name ?? `replica-${options.size}.bin`,
    );
  }
  const sha256 = await sha256Of(file);

  // FilesSettingsStore: defaults, then every key of the settings (setFilesSettings).
  const store = {
    chunkUploadSize: 1024 * 1023,
    maxUploadThreadCount: 15,
    maxUploadFilesCount: 5,
  };
  const settingsReply = await send(`${options.base}/api/2.0/files/settings`, {
    headers,
  }, { kind: "settings" });
  const settings = settingsReply.data?.response;
  if (!settings || typeof settings !== "object") {
    throw new Error(
      `settings: the reply has no envelope response: ${
        JSON.stringify(settingsReply.data).slice(0, 300)
      }`,
    );
  }
  Object.assign(store, settings);
  const { chunkUploadSize } = store;
  const uploadThreadCount = store.maxUploadThreadCount /
    store.maxUploadFilesCount;
  if (!Number.isSafeInteger(chunkUploadSize) || chunkUploadSize <= 0) {
    throw new Error(
      `settings: chunkUploadSize is ${JSON.stringify(chunkUploadSize)}`,
    );
  }

  // startSessionFunc → startUploadSession.
  const chunks = file.size === 0
    ? 1
    : Math.ceil(file.size / chunkUploadSize, chunkUploadSize);
  const body = {
    fileName: file.name,
    fileSize: file.size,
    relativePath: "",
    encrypted: file.encrypted,
    createOn: file.lastModifiedDate,
    CreateNewIfExist: options.createNewIfExist,
  };
  const created = await send(
    `${options.base}/api/2.0/files/${options.folderId}/upload/create_session`,
    {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    },
    { kind: "create" },
  );
  const res = created.data?.response; // axiosClient: response.data.response
  const location = res?.data?.location;
  if (typeof location !== "string") {
    throw new Error(
      `create: the reply has no data.location: ${
        JSON.stringify(created.data).slice(0, 500)
      }`,
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
    peakInFlight = Math.max(peakInFlight, inFlight);
    try {
      return await send(url, {
        method: "POST",
        headers,
        ...(data === undefined ? {} : { body: data }),
      }, record);
    } finally {
      inFlight--;
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
            describe(isFinalize ? { kind: "finalize" } : record)
          }: ${res.data.message}`,
        ),
      );
    }
    const { uploaded, id: fileId, file: fileInfo } = res.data.data;
    if (uploaded) {
      currentFile.action = "uploaded";
      currentFile.fileId = fileId;
      currentFile.fileInfo = fileInfo;
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

  const isThirdPartyFolder = typeof options.folderId === "string";
  if (!isThirdPartyFolder) {
    const length = requestsDataArray.length;
    const chunksArray = [];
    for (let index = 0; index < length; index++) {
      chunksArray.push({
        isActive: false,
        isFinished: false,
        isFinalize: false,
        record: { kind: "chunk", chunkNumber: index + 1 },
        onUpload: () =>
          uploadFile(
            `${location}&chunkNumber=${index + 1}&upload=true`,
            requestsDataArray[index],
            {
              kind: "chunk",
              chunkNumber: index + 1,
            },
          ),
      });
    }
    chunksArray.push({
      isActive: false,
      isFinished: false,
      isFinalize: true,
      record: { kind: "finalize" },
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
                record: { kind: "finalize" },
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
        "every request was answered but none completed the upload (201 with uploaded:true): the web client would wait forever",
      );
    }
    await promise;
  } else {
    const resolve = () => {};
    const reject = (error) => ignored.push(error.message); // the web client's Promise.reject(err) goes nowhere
    for (let index = 0; index < requestsDataArray.length; index++) {
      const record = { kind: "chunk" };
      const res = await uploadFile(location, requestsDataArray[index], record);
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
      "no reply completed the upload (uploaded:true with a file id)",
    );
  }
  const last = requests[requests.length - 1];
  if (completedBy.status !== 201) {
    throw new Error(
      `the upload completed with HTTP ${completedBy.status}, not 201`,
    );
  }
  if (currentFile.fileId === null || currentFile.fileId === undefined) {
    throw new Error("the completing reply has no file id");
  }
  clearTimeout(deadline);
  process.stdout.write(
    `${
      JSON.stringify({
        ok: true,
        status: completedBy.status,
        lastStatus: last.status,
        fileId: currentFile.fileId,
        title: currentFile.fileInfo?.title,
        version: currentFile.fileInfo?.version,
        contentLength: currentFile.fileInfo?.contentLength,
        sha256,
        size: file.size,
        fileName: file.name,
        folderId: options.folderId,
        mode: isThirdPartyFolder ? "sequential" : "numbered",
        chunkUploadSize,
        uploadThreadCount,
        chunks,
        peakInFlight,
        requests,
      })
    }\n`,
  );
}

let finished = false;
// A promise that can never settle leaves Node's event loop empty: say so instead of exiting 0 in silence.
process.on("beforeExit", () => {
  if (!finished) {
    fail(new Error("the run ended without a result: a promise never settled"));
  }
});
main().then(() => (finished = true), fail);
