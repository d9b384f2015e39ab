// The upload page's script: this package's uploadFile, run in the browser against the gateway's
// DocSpace-compatible routes with an upload ticket. Bundled by _tools/build_page.ts into
// script.generated.ts; edit this file, then run `deno task build:page`.
import { uploadFile } from "../../client/upload_file.ts";

// The few DOM types used here, declared locally: `/// <reference lib="dom" />` would leak the DOM library
// into every file of a whole-project `deno check .`.
interface PageEvent {
  preventDefault(): void;
  dataTransfer?: { files: ArrayLike<File> } | null;
}
interface PageElement {
  value: string;
  textContent: string | null;
  hidden: boolean;
  disabled: boolean;
  className: string;
  files: ArrayLike<File> | null;
  classList: { add(name: string): void; remove(name: string): void };
  addEventListener(type: string, listener: (event: PageEvent) => void): void;
}
interface Xhr {
  status: number;
  statusText: string;
  response: Blob | null;
  responseType: string;
  upload: { onprogress: ((event: { loaded: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getAllResponseHeaders(): string;
  send(body: unknown): void;
  abort(): void;
}
declare const document: { getElementById(id: string): PageElement | null };
declare const history: {
  replaceState(data: null, unused: string, url: string): void;
};
declare const XMLHttpRequest: new () => Xhr;

const byId = (id: string): PageElement => document.getElementById(id)!;
const form = byId("form");
const ticketInput = byId("ticket");
const folderInput = byId("folder");
const fileInput = byId("file");
const drop = byId("drop");
const button = byId("upload");
const status = byId("status");
const progress = byId("progress");
const percent = byId("percent");
const bytes = byId("bytes");
const result = byId("result");

/** The gateway's URL: the page is served at its root. */
const base = location.origin + location.pathname.replace(/\/+$/, "");
let file: File | undefined;

function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${unit === 0 ? n : n.toFixed(1)} ${units[unit]}`;
}

function say(text: string, error = false): void {
  status.textContent = text;
  status.className = error ? "error" : "";
}

/** The unverified content of a ticket, to prefill the folder and show the limits. */
function describeTicket(ticket: string): void {
  try {
    const payload = ticket.split(".")[1] ?? "";
    const text = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const { f, m, e } = JSON.parse(text);
    if (folderInput.value === "") folderInput.value = String(f);
    say(
      `This ticket allows files up to ${
        formatBytes(m)
      } into folder ${f}, until ${new Date(e * 1000).toLocaleString()}.`,
    );
  } catch {
    if (ticket !== "") say("This does not look like an upload ticket.", true);
  }
}

function update(): void {
  button.disabled = !file || ticketInput.value.trim() === "" ||
    folderInput.value.trim() === "";
}

function choose(chosen: File | undefined): void {
  file = chosen;
  if (file) say(`${file.name}: ${formatBytes(file.size)}`);
  update();
}

// Byte-level progress: requests go through XMLHttpRequest, whose upload events count the bytes sent.
const sending = new Map<Xhr, number>();
let confirmed = 0;
let total = 0;
let shown = 0;
let finished = false;

function render(): void {
  const inFlight = [...sending.values()].reduce((sum, n) => sum + n, 0);
  shown = Math.max(shown, Math.min(total, confirmed + inFlight));
  const value = finished
    ? 100
    : total === 0
    ? 0
    : Math.min(99, Math.floor((shown / total) * 100));
  progress.hidden = false;
  progress.value = String(value);
  percent.textContent = `${value} %`;
  bytes.textContent = `${formatBytes(finished ? total : shown)} of ${
    formatBytes(total)
  }`;
}

function responseHeaders(raw: string): Headers {
  const headers = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
  }
  return headers;
}

function xhrFetch(
  input: RequestInfo | URL,
  init: RequestInit = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const signal = init.signal ?? undefined;
    const onAbort = () => xhr.abort();
    const settle = () => {
      sending.delete(xhr);
      signal?.removeEventListener("abort", onAbort);
    };
    xhr.open(
      init.method ?? "GET",
      input instanceof Request ? input.url : String(input),
    );
    xhr.responseType = "blob";
    new Headers(init.headers).forEach((value, name) =>
      xhr.setRequestHeader(name, value)
    );
    xhr.upload.onprogress = (event) => {
      sending.set(xhr, event.loaded);
      render();
    };
    xhr.onload = () => {
      settle();
      const empty = [101, 204, 205, 304].includes(xhr.status);
      resolve(
        new Response(empty ? null : xhr.response, {
          status: xhr.status,
          statusText: xhr.statusText,
          headers: responseHeaders(xhr.getAllResponseHeaders()),
        }),
      );
    };
    xhr.onerror = () => {
      settle();
      reject(new TypeError("Network error"));
    };
    xhr.onabort = () => {
      settle();
      reject(signal?.reason ?? new DOMException("Aborted", "AbortError"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    xhr.send(init.body ?? null);
  });
}

async function upload(event: PageEvent): Promise<void> {
  event.preventDefault();
  if (!file) return;
  const folder = folderInput.value.trim();
  button.disabled = true;
  result.hidden = true;
  confirmed = shown = 0;
  total = file.size;
  finished = false;
  render();
  say(`Uploading ${file.name}…`);
  try {
    const uploaded = await uploadFile(file, {
      url: base,
      token: ticketInput.value.trim(),
      folderId: /^[1-9]\d{0,14}$/.test(folder) ? Number(folder) : folder,
      fetch: xhrFetch,
      onProgress: (p) => {
        confirmed = p.bytesConfirmed;
        total = p.totalBytes;
        render();
      },
    });
    finished = true;
    render();
    say(`Uploaded "${uploaded.title}" as file ${uploaded.id}.`);
    result.textContent = JSON.stringify(uploaded, null, 2);
    result.hidden = false;
  } catch (error) {
    say(error instanceof Error ? error.message : String(error), true);
  } finally {
    update();
  }
}

const params = new URLSearchParams(location.hash.slice(1));
ticketInput.value = params.get("ticket") ?? "";
folderInput.value = params.get("folder") ?? "";
// The ticket is a credential: keep it out of the address bar and the history.
if (location.hash !== "") history.replaceState(null, "", location.pathname);
describeTicket(ticketInput.value);
update();

ticketInput.addEventListener("input", () => {
  describeTicket(ticketInput.value.trim());
  update();
});
folderInput.addEventListener("input", update);
fileInput.addEventListener("change", () => choose(fileInput.files?.[0]));
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  choose(event.dataTransfer?.files[0]);
});
form.addEventListener("submit", upload);
