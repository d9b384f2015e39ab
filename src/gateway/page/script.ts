// The upload page's script: this package's uploadFile, run in the browser against the gateway's
// DocSpace-compatible routes with an upload ticket, for many files and folders at once, each with its own
// progress, cancel and retry, resumable after a reload. Bundled by _tools/build_page.ts into
// script.generated.ts; edit this file (or the _*.ts beside it), then run `deno task build:page`.
import { uploadThrough } from "../../client/upload_file.ts";
import {
  type SharedPortal,
  sharedPortal,
} from "../../client/_shared_portal.ts";
import { SessionClient } from "../../client/session_client.ts";
import type { UploadedFile } from "../../client/session_types.ts";
import type { UploadState } from "../../client/upload_types.ts";
import { byId, type El, h, type PageEvent, type WindowLike } from "./_dom.ts";
import { fromDrop, fromInput, MAX_FILES, type Picked } from "./_picked.ts";
import {
  type FileIdentity,
  forget,
  keyOf,
  save,
  type Saved,
  savedFor,
  savedUploads,
} from "./_saved.ts";
import {
  type Access,
  accessFromMessage,
  initialAccess,
  keepAccess,
  readTicket,
  type TicketInfo,
} from "./_ticket.ts";
import { xhrFetch } from "./_xhr_fetch.ts";
import {
  ahead,
  explain,
  formatBytes,
  formatSeconds,
  isAbort,
  type QueuePlace,
  retryWords,
} from "./_words.ts";

/** Files uploading at once; each sends up to CHUNKS_AT_ONCE chunks (the gateway's share per ticket is 4). */
const FILES_AT_ONCE = 2;
const CHUNKS_AT_ONCE = 2;

type ItemState =
  | "ready"
  | "queued"
  | "uploading"
  | "done"
  | "failed"
  | "cancelled";

interface Item extends FileIdentity {
  id: number;
  file: File;
  state: ItemState;
  /** Bytes the server confirmed, and bytes on their way, and the most ever shown (never goes back). */
  confirmed: number;
  sending: number;
  shown: number;
  samples: { t: number; b: number }[];
  /** A retry or wait in progress, in words. */
  note: string;
  queue?: QueuePlace | undefined;
  /** The button to focus once the row shows it (after the one pressed went away). */
  focus?: string | undefined;
  controller?: AbortController | undefined;
  result?: UploadedFile;
  error?: string;
  row: El;
  bar: El;
  status: El;
  actions: El;
}

const access = {
  ticketInput: byId("ticket"),
  folderInput: byId("folder"),
  info: byId("ticket-info"),
};
const fileInput = byId("files");
const folderPicker = byId("folder-files");
const drop = byId("drop");
const uploadButton = byId("upload");
const clearButton = byId("clear");
const list = byId("list");
const summary = byId("summary");
const notice = byId("notice");
const wait = byId("wait");
const resumeBox = byId("resume");
const savedList = byId("saved");

/** The gateway's URL: the page is served at its root. */
const base = location.origin + location.pathname.replace(/\/+$/, "");
const items: Item[] = [];
let nextId = 1;
let leaving = false;
let ticketInfo: TicketInfo | undefined;
let portal: { ticket: string; portal: SharedPortal } | undefined;
/** The page that handed over the ticket by message, and its origin: results go back to it only. */
let peerOrigin: string | undefined;

const ticket = () => access.ticketInput.value.trim();
const folder = () => access.folderInput.value.trim();
const folderId = () =>
  /^[1-9]\d{0,14}$/.test(folder()) ? Number(folder()) : folder();

/** A request-less client for the page's own requests (settings, discards), and the settings, read once. */
function shared(): SharedPortal {
  if (portal?.ticket !== ticket()) {
    portal = {
      ticket: ticket(),
      portal: sharedPortal({
        url: base,
        token: ticket(),
        routes: "legacy",
        fetch: xhrFetch({
          onSending: () => {},
          onQueue: () => {},
          leaving: () => leaving,
        }),
      }, {}),
    };
  }
  return portal.portal;
}

/**
 * The portal one upload goes through: its own fetch (for its progress and its queue place), the settings
 * shared. Sessions use their `location` (the legacy routes), which works for subfolders (relativePath)
 * too: the REST routes name the subfolder, which the gateway refuses as outside the ticket's folder.
 */
function portalFor(fetch: typeof globalThis.fetch): SharedPortal {
  const settings = shared();
  return {
    client: new SessionClient({
      url: base,
      token: ticket(),
      routes: "legacy",
      fetch,
    }),
    settings: (retry) => settings.settings(retry),
  };
}

// ---------------------------------------------------------------- the ticket

function describeTicket(): void {
  const text = ticket();
  ticketInfo = readTicket(text);
  access.info.className = "";
  if (text === "") {
    access.info.textContent =
      "Paste the upload ticket you were given, or open the link you were sent.";
  } else if (ticketInfo === undefined) {
    access.info.textContent =
      "This does not look like an upload ticket: check that it was copied whole.";
    access.info.className = "error";
  } else {
    if (folder() === "" && ticketInfo.folder !== undefined) {
      access.folderInput.value = ticketInfo.folder;
    }
    const expired = ticketInfo.expires !== undefined &&
      ticketInfo.expires < Date.now();
    access.info.textContent = expired
      ? `This ticket expired on ${
        new Date(ticketInfo.expires!).toLocaleString()
      }. Ask whoever sent you the link for a new one.`
      : `This ticket allows files up to ${
        formatBytes(ticketInfo.maxBytes ?? 0)
      } into folder ${ticketInfo.folder}${
        ticketInfo.expires
          ? `, until ${new Date(ticketInfo.expires).toLocaleString()}`
          : ""
      }.`;
    if (expired) access.info.className = "error";
  }
}

function setAccess(given: Access): void {
  access.ticketInput.value = given.ticket;
  access.folderInput.value = given.folder;
  accessChanged();
}

function accessChanged(): void {
  describeTicket();
  keepAccess({ ticket: ticket(), folder: folder() });
  showSaved();
  update();
}

// ---------------------------------------------------------------- the list

function identity(picked: Picked): FileIdentity {
  return {
    folder: folder(),
    dir: picked.dir,
    name: picked.file.name,
    size: picked.file.size,
    lastModified: picked.file.lastModified,
  };
}

function displayName(item: FileIdentity): string {
  return item.dir === "" ? item.name : `${item.dir}/${item.name}`;
}

function add(picked: Picked[], cut: boolean): void {
  let added = 0;
  let twice = 0;
  for (const one of picked) {
    const id = identity(one);
    const key = keyOf(id);
    if (
      items.some((item) =>
        keyOf(item) === key && item.state !== "done" &&
        item.state !== "cancelled"
      )
    ) {
      twice++;
      continue;
    }
    if (items.length >= MAX_FILES) {
      cut = true;
      break;
    }
    items.push(newItem(one.file, id));
    added++;
  }
  const notes = [
    `${added} ${added === 1 ? "file" : "files"} added.`,
    twice ? `${twice} already in the list.` : "",
    cut ? `Only ${MAX_FILES} files can be added at a time.` : "",
  ];
  say(notes.filter(Boolean).join(" "));
  showSaved();
  update();
}

function newItem(file: File, id: FileIdentity): Item {
  const bar = h("progress", {
    max: "100",
    value: "0",
    "aria-label": `Progress of ${displayName(id)}`,
  });
  const status = h("span", { class: "state" });
  const actions = h("span", { class: "actions" });
  const row = h(
    "li",
    { class: "item" },
    h(
      "span",
      { class: "name" },
      ...(id.dir === ""
        ? []
        : [h("span", { class: "dir", text: `${id.dir}/` })]),
      id.name,
    ),
    h("span", { class: "size", text: formatBytes(file.size) }),
    bar,
    status,
    actions,
  );
  list.append(row);
  const item: Item = {
    ...id,
    id: nextId++,
    file,
    state: "ready",
    confirmed: 0,
    sending: 0,
    shown: 0,
    samples: [],
    note: "",
    row,
    bar,
    status,
    actions,
  };
  const saved = savedFor(id);
  if (saved) item.confirmed = confirmedBytes(saved.state);
  paint(item);
  return item;
}

function confirmedBytes(state: UploadState): number {
  return Math.min(
    state.fileSize,
    state.confirmedChunks.length * state.chunkSize,
  );
}

function button(label: string, name: string, action: () => void): El {
  const b = h("button", {
    type: "button",
    text: label,
    "aria-label": `${label} ${name}`,
  });
  b.addEventListener("click", action);
  return b;
}

function percentOf(item: Item): number {
  if (item.state === "done") return 100;
  if (item.size === 0) return 0;
  return Math.min(99, Math.floor((item.shown / item.size) * 100));
}

function speedOf(item: Item): number | undefined {
  const first = item.samples[0];
  const last = item.samples[item.samples.length - 1];
  if (!first || !last || last.t - first.t < 1000) return undefined;
  return ((last.b - first.b) * 1000) / (last.t - first.t);
}

/** Brings a row up to date with its item. */
function paint(item: Item): void {
  item.shown = Math.max(
    item.shown,
    Math.min(item.size, item.confirmed + item.sending),
  );
  const percent = percentOf(item);
  item.bar.setAttribute("value", String(percent));
  item.row.setAttribute("data-state", item.state);
  const text = statusWords(item, percent);
  const links = openLinks(item);
  item.bar.setAttribute("aria-valuetext", `${percent} %`);
  item.status.textContent = text;
  item.status.className = `state ${item.state === "failed" ? "error" : ""}`;
  showActions(item, links, buttonsFor(item));
}

/** A row's state, in words. */
function statusWords(item: Item, percent: number): string {
  switch (item.state) {
    case "ready": {
      const saved = savedFor(item);
      return saved
        ? `Ready: continues at ${
          Math.floor(
            (confirmedBytes(saved.state) / Math.max(1, item.size)) * 100,
          )
        } %`
        : "Ready";
    }
    case "queued":
      return "Waiting for its turn";
    case "uploading": {
      const speed = speedOf(item);
      return item.note !== "" ? `${percent} %: ${item.note}` : [
        `${percent} %`,
        `${formatBytes(item.shown)} of ${formatBytes(item.size)}`,
        ...(speed
          ? [
            `${formatBytes(speed)}/s`,
            `${formatSeconds((item.size - item.shown) / speed)} left`,
          ]
          : []),
      ].join(" · ");
    }
    case "done": {
      const r = item.result!;
      return `Uploaded as “${r.title}”${
        r.version > 1 ? `, version ${r.version}` : ""
      }`;
    }
    case "failed":
      return `Failed: ${item.error}`;
    case "cancelled":
      return "Cancelled";
  }
}

/** An uploaded file's "Open in DocSpace" link, when DocSpace gave it a web URL. */
function openLinks(item: Item): El[] {
  if (item.state !== "done") return [];
  const r = item.result!;
  const url = String(r.file?.webUrl ?? "");
  if (!/^https?:\/\//i.test(url)) return [];
  return [h("a", {
    href: url,
    target: "_blank",
    rel: "noopener noreferrer",
    text: "Open in DocSpace",
    "aria-label": `Open in DocSpace: ${r.title}`,
  })];
}

/** The buttons a row's state offers: Cancel, Retry, Remove. */
function buttonsFor(item: Item): El[] {
  const name = displayName(item);
  const buttons: El[] = [];
  if (item.state === "uploading" || item.state === "queued") {
    buttons.push(button("Cancel", name, () => cancel(item)));
  }
  if (item.state === "failed" || item.state === "cancelled") {
    buttons.push(button("Retry", name, () => retry(item)));
  }
  if (item.state !== "uploading" && item.state !== "queued") {
    buttons.push(button("Remove", name, () => removeItem(item)));
  }
  return buttons;
}

/**
 * Puts a row's links and buttons in place when its buttons changed (then focuses the one the item waits
 * for), or when its links arrived; an unchanged row keeps its elements, and so the focus.
 */
function showActions(item: Item, links: El[], buttons: El[]): void {
  const wanted = buttons.map((b) => b.textContent).join("|");
  if (item.actions.getAttribute("data-buttons") !== wanted) {
    item.actions.setAttribute("data-buttons", wanted);
    item.actions.replaceChildren(...links, ...buttons);
    const focus = buttons.find((b) => b.textContent === item.focus);
    if (focus) {
      item.focus = undefined;
      focus.focus();
    }
  } else if (links.length > 0 && item.actions.textContent === "") {
    item.actions.replaceChildren(...links, ...buttons);
  }
}

/** The whole list, in words: what screen readers hear when it changes (not on every byte). */
function summarise(): void {
  const count = (state: ItemState) =>
    items.filter((i) => i.state === state).length;
  if (items.length === 0) {
    summary.textContent = "No files yet.";
    return;
  }
  const total = items.reduce((sum, i) => sum + i.size, 0);
  const parts = [
    [count("uploading"), "uploading"],
    [count("queued"), "waiting"],
    [count("ready"), "ready"],
    [count("done"), "uploaded"],
    [count("cancelled"), "cancelled"],
    [count("failed"), "failed"],
  ].filter(([n]) => n !== 0).map(([n, what]) => `${n} ${what}`);
  summary.textContent = `${items.length} ${
    items.length === 1 ? "file" : "files"
  } (${formatBytes(total)}): ${parts.join(", ")}.`;
}

function update(): void {
  const ready = items.some((i) => i.state === "ready");
  uploadButton.disabled = !ready || ticket() === "" || folder() === "";
  clearButton.disabled = !items.some((i) =>
    i.state === "done" || i.state === "cancelled"
  );
  summarise();
}

function say(text: string, error = false): void {
  notice.textContent = text;
  notice.className = error ? "error" : "";
}

// Progress is repainted a few times a second, not on every upload event.
let painting = false;
function schedulePaint(): void {
  if (painting) return;
  painting = true;
  setTimeout(() => {
    painting = false;
    for (const item of items) if (item.state === "uploading") paint(item);
  }, 250);
}

// ---------------------------------------------------------------- uploading

function start(): void {
  if (ticket() === "" || folder() === "") return;
  for (const item of items) {
    if (item.state === "ready") {
      item.state = "queued";
      item.folder = folder();
      paint(item);
    }
  }
  pump();
}

function pump(): void {
  while (
    items.filter((i) => i.state === "uploading").length < FILES_AT_ONCE
  ) {
    const next = items.find((i) => i.state === "queued");
    if (!next) break;
    run(next);
  }
  update();
  if (items.some((i) => i.state === "uploading")) pollQueue();
  else finished();
}

/** Uploads one item, then starts the next one waiting. */
async function run(item: Item): Promise<void> {
  const controller = new AbortController();
  const saved = startUploading(item, controller);
  const limit = ticketInfo?.maxBytes;
  try {
    if (limit !== undefined && item.size > limit) {
      throw Object.assign(new Error("too large"), { name: "TooLarge" });
    }
    item.result = await upload(item, saved, controller.signal);
    forget(keyOf(item));
    item.state = "done";
  } catch (error) {
    if (leaving) return;
    // uploadFile aborted the session (a cancel, or a failure): nothing is left to resume.
    forget(keyOf(item));
    stopped(item, error, controller.signal.aborted, limit);
  } finally {
    item.controller = undefined;
  }
  item.note = "";
  paint(item);
  pump();
}

/** Puts an item in the uploading state, from its saved upload if it has one (which it returns). */
function startUploading(
  item: Item,
  controller: AbortController,
): Saved | undefined {
  item.controller = controller;
  item.state = "uploading";
  item.note = "";
  item.error = "";
  item.sending = 0;
  item.samples = [];
  const saved = savedFor(item);
  item.confirmed = saved ? confirmedBytes(saved.state) : 0;
  item.shown = item.confirmed;
  paint(item);
  return saved;
}

/** Uploads an item's file through the gateway, continuing its saved session if there is one. */
function upload(
  item: Item,
  saved: Saved | undefined,
  signal: AbortSignal,
): Promise<UploadedFile> {
  const fetch = xhrFetch({
    onSending: (bytes) => {
      item.sending = bytes;
      if (bytes > 0) item.note = "";
      sample(item);
    },
    onQueue: (place) => item.queue = place,
    leaving: () => leaving,
  });
  return uploadThrough(portalFor(fetch), item.file, {
    url: base,
    token: ticket(),
    folderId: folderId(),
    fileName: item.name,
    ...(item.dir === "" ? {} : { relativePath: item.dir }),
    routes: "legacy",
    concurrency: CHUNKS_AT_ONCE,
    signal,
    fetch,
    ...(saved ? { resume: saved.state } : {}),
    onState: (state) => {
      if (!leaving) save(item, state);
    },
    onProgress: (p) => {
      item.confirmed = p.bytesConfirmed;
      sample(item);
    },
    onRetry: (notice) => {
      item.note = retryWords(notice, item.queue);
      item.queue = undefined;
      paint(item);
    },
  });
}

/** Marks an upload that did not finish: cancelled (by its Cancel button or an abort), or failed, and why. */
function stopped(
  item: Item,
  error: unknown,
  aborted: boolean,
  limit: number | undefined,
): void {
  if (aborted || isAbort(error)) {
    item.state = "cancelled";
  } else {
    item.state = "failed";
    item.error = error instanceof Error && error.name === "TooLarge"
      ? `This file is larger than the upload ticket allows (${
        formatBytes(limit!)
      }). Ask whoever sent you the link.`
      : explain(error, limit);
  }
}

function sample(item: Item): void {
  const now = Date.now();
  item.samples.push({
    t: now,
    b: Math.min(item.size, item.confirmed + item.sending),
  });
  while (item.samples.length > 2 && now - item.samples[0]!.t > 5000) {
    item.samples.shift();
  }
  schedulePaint();
}

function cancel(item: Item): void {
  if (item.state === "queued") {
    item.state = "cancelled";
    paint(item);
    update();
  } else item.controller?.abort(new DOMException("Cancelled", "AbortError"));
  item.focus = "Retry";
  paint(item);
}

function retry(item: Item): void {
  item.state = "queued";
  item.folder = folder();
  item.focus = "Cancel";
  paint(item);
  pump();
}

function removeItem(item: Item): void {
  const at = items.indexOf(item);
  items.splice(at, 1);
  item.row.remove();
  const next = items[at] ?? items[at - 1];
  const button = next && Array.from(next.actions.querySelectorAll("button"))[0];
  (button ?? byId("pick-files")).focus();
  update();
}

/** Once nothing is uploading or waiting: the summary, and the results for the page that asked. */
function finished(): void {
  wait.hidden = true;
  const done = items.filter((i) => i.state === "done");
  if (done.length === 0 || items.some((i) => i.state === "queued")) return;
  if (peerOrigin !== undefined) {
    peer()?.postMessage({
      type: "docspace-upload:done",
      files: done.map((i) => ({
        id: i.result!.id,
        title: i.result!.title,
        folderId: i.result!.folderId,
        version: i.result!.version,
        path: i.dir,
        webUrl: i.result!.file?.webUrl,
      })),
    }, peerOrigin);
  }
}

// ---------------------------------------------------------------- the gateway's queue

let queueTimer: ReturnType<typeof setTimeout> | undefined;
let queueKnown = true;

/** While uploads run, asks the gateway where this ticket's requests wait (a gateway without a queue: 404). */
function pollQueue(): void {
  if (!queueKnown || queueTimer !== undefined) return;
  queueTimer = setTimeout(async () => {
    queueTimer = undefined;
    if (leaving || !items.some((i) => i.state === "uploading")) return;
    try {
      const reply = await fetch(`${base}/queue`, {
        headers: { authorization: `Bearer ${ticket()}` },
      });
      const body = reply.ok ? await reply.json() : undefined;
      if (reply.status === 404 || typeof body?.queue !== "object") {
        queueKnown = reply.status !== 404;
        wait.hidden = true;
      } else {
        const { waiting, position } = body.queue;
        wait.hidden = !(waiting > 0);
        if (waiting > 0) {
          wait.textContent =
            `Waiting for the gateway: it is busy with other uploads (yours is ${
              Number.isSafeInteger(position) ? ahead(position) : "in line"
            }).`;
        }
      }
    } catch { /* no answer: try again later */ }
    pollQueue();
  }, 3000);
}

// ---------------------------------------------------------------- resuming after a reload

/** Lists the unfinished uploads that no file in the list continues, with a way to discard each. */
function showSaved(): void {
  const keys = new Set(items.map((i) => keyOf(i)));
  const saved = savedUploads().filter((s) => !keys.has(s.key));
  resumeBox.hidden = saved.length === 0;
  savedList.replaceChildren(
    ...saved.map((s) =>
      h(
        "li",
        {},
        h("span", {
          class: "name",
          text: displayName(s),
        }),
        h("span", {
          class: "state",
          text: `${
            Math.floor((confirmedBytes(s.state) / Math.max(1, s.size)) * 100)
          } % of ${formatBytes(s.size)} uploaded, into folder ${s.folder}`,
        }),
        button("Discard", displayName(s), () => discard(s)),
      )
    ),
  );
}

/** Aborts a saved upload's session at the gateway (DocSpace frees its chunks) and forgets it. */
async function discard(saved: Saved): Promise<void> {
  forget(saved.key);
  showSaved();
  byId("pick-files").focus();
  if (ticket() === "") return;
  const target = saved.state.routes === "rest" && saved.state.sessionId
    ? {
      id: saved.state.sessionId,
      location: saved.state.location,
      folderId: saved.state.sessionFolderId ?? saved.state.folderId,
      routes: "rest" as const,
    }
    : saved.state.location;
  try {
    await shared().client.abort(target, AbortSignal.timeout(10_000));
    say(`Discarded the unfinished upload of ${displayName(saved)}.`);
  } catch (error) {
    say(
      `The unfinished upload of ${displayName(saved)} was forgotten here; ${
        explain(error)
      } DocSpace deletes its parts within 12 hours.`,
    );
  }
}

// ---------------------------------------------------------------- the page that opened or embeds this one

function peer(): WindowLike | undefined {
  const self = globalThis as unknown as {
    opener: WindowLike | null;
    parent: WindowLike;
  };
  if (self.opener) return self.opener;
  return self.parent !== (globalThis as unknown) ? self.parent : undefined;
}

addEventListener("message", (event: Event) => {
  const message = event as unknown as PageEvent;
  const from = peer();
  if (from === undefined || message.source !== from) return;
  const given = accessFromMessage(message.data);
  if (given === undefined) return;
  peerOrigin = message.origin;
  setAccess(given);
});

// ---------------------------------------------------------------- wiring

setAccess(initialAccess());
peer()?.postMessage({ type: "docspace-upload:ready" }, "*");
// The ticket's fields are a form (for password managers and Enter), which submits nowhere.
byId("access").addEventListener("submit", (event) => event.preventDefault());
access.ticketInput.addEventListener("input", accessChanged);
access.folderInput.addEventListener("input", accessChanged);
byId("pick-files").addEventListener("click", () => fileInput.click());
byId("pick-folder").addEventListener("click", () => folderPicker.click());
for (const input of [fileInput, folderPicker]) {
  input.addEventListener("change", () => {
    add(fromInput(input.files ?? []), (input.files?.length ?? 0) > MAX_FILES);
    input.value = "";
  });
}
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", async (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  if (!event.dataTransfer) return;
  try {
    const { picked, cut } = await fromDrop(event.dataTransfer);
    add(picked, cut);
  } catch {
    say("The browser could not read what was dropped: pick it instead.", true);
  }
});
uploadButton.addEventListener("click", start);
clearButton.addEventListener("click", () => {
  for (
    const item of items.filter((i) =>
      i.state === "done" || i.state === "cancelled"
    )
  ) {
    items.splice(items.indexOf(item), 1);
    item.row.remove();
  }
  update();
});
// Leaving while uploads run asks first; once the page goes, nothing more is sent, so the sessions stay
// resumable (their states are saved) rather than being aborted half-way through unloading.
addEventListener("beforeunload", (event: Event) => {
  if (items.some((i) => i.state === "uploading" || i.state === "queued")) {
    event.preventDefault();
    (event as unknown as PageEvent).returnValue = "";
  }
});
addEventListener("pagehide", () => leaving = true);
addEventListener("pageshow", (event: Event) => {
  if ((event as unknown as PageEvent).persisted) leaving = false;
});
update();
