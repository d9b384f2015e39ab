// The upload page's HTML and CSS. Its script (script.ts and the _*.ts beside it, bundled into
// script.generated.ts) uploads through the gateway's DocSpace-compatible routes with an upload ticket.
//
// The ticket reaches the page in one of two ways:
// - in the URL fragment: `https://upload.example.com/#ticket=<ticket>&folder=<id>` (`folder` is optional:
//   the ticket names its folder). A fragment is never sent to a server; the page removes it from the
//   address bar at once, and keeps the ticket in this tab's sessionStorage so that a reload keeps it.
// - by message, from the page that opened this one (`window.open`) or embeds it in a frame (where the
//   gateway's `frame-ancestors` allows it): the page posts `{ type: "docspace-upload:ready" }` to its
//   opener or parent, which answers `{ type: "docspace-upload:ticket", ticket, folder? }`. Once every
//   upload is over, the page posts `{ type: "docspace-upload:done", files: [{ id, title, folderId,
//   version, path, webUrl }] }` back to that page's origin (and to no other).
//
// Page weight budget: this HTML and the script together stay under PAGE_BUDGET bytes gzip-compressed
// (tests/gateway/page_test.ts checks it).

/** Where the page's script is served, below the gateway's base path. */
export const PAGE_SCRIPT_PATH = "/upload-page.js";

/** The most the page (HTML and script) may weigh, gzip-compressed: 24 KiB. */
export const PAGE_BUDGET = 24 * 1024;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => `&#${ch.charCodeAt(0)};`,
  );
}

const STYLE = `
  :root { color-scheme: light; --accent: #1a6b3c; --error: #a40000; --line: #c8c8c8; }
  * { box-sizing: border-box; }
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem; color: #1e1e1e; background: #fff; }
  h1 { font-size: 1.5rem; margin: 0.5rem 0 1rem; }
  h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
  label { display: block; margin: 0.5rem 0 0.2rem; font-weight: 600; }
  input[type=text], input[type=password] { width: 100%; padding: 0.45rem; font: inherit; border: 1px solid #767676; border-radius: 4px; }
  .fields { display: grid; grid-template-columns: 1fr 10rem; gap: 0 1rem; }
  button { font: inherit; padding: 0.4rem 1rem; border: 1px solid #767676; border-radius: 4px; background: #f3f3f3; color: #1e1e1e; cursor: pointer; min-height: 2.5rem; }
  button.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
  button:disabled { opacity: 0.55; cursor: default; }
  button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #1456b8; outline-offset: 2px; }
  #drop { margin: 1rem 0; padding: 1.5rem 1rem; border: 2px dashed #767676; border-radius: 8px; text-align: center; }
  #drop.over { border-color: var(--accent); background: #eef7f0; }
  #drop p { margin: 0 0 0.75rem; }
  #drop .bar { justify-content: center; }
  .bar { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
  #list, #saved { list-style: none; padding: 0; margin: 0.5rem 0; }
  #saved button { justify-self: start; }
  .item, #saved li { display: grid; grid-template-columns: 1fr auto; gap: 0.2rem 1rem; padding: 0.6rem 0; border-bottom: 1px solid var(--line); }
  .name { overflow-wrap: anywhere; font-weight: 600; }
  .dir { font-weight: 400; color: #555; }
  .size { color: #555; text-align: right; }
  .item progress { grid-column: 1 / -1; width: 100%; height: 0.9rem; accent-color: var(--accent); }
  .state { color: #333; }
  .actions { display: flex; gap: 0.5rem; justify-content: flex-end; align-items: center; flex-wrap: wrap; }
  .item[data-state=done] .state { color: var(--accent); }
  .error, .item .state.error { color: var(--error); }
  #resume { border: 1px solid #b88a00; background: #fff8e1; border-radius: 8px; padding: 0.75rem 1rem; margin: 1rem 0; }
  #wait { background: #eef3fb; padding: 0.5rem 0.75rem; border-radius: 4px; }
  #summary { font-weight: 600; }
  @media (max-width: 34rem) {
    body { padding: 0.75rem; }
    .fields { grid-template-columns: 1fr; }
    .item, #saved li { grid-template-columns: 1fr; }
    .size { text-align: left; }
    .actions { justify-content: flex-start; }
    .bar button { flex: 1 1 auto; }
  }
`;

/** The page, for a gateway served at `base` (a path without a trailing slash, "" at the root). */
export function pageHtml(base: string): string {
  const script = escapeHtml(base + PAGE_SCRIPT_PATH);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Upload files to DocSpace</title>
<style>${STYLE.replace(/\n\s*/g, "\n")}</style>
</head>
<body>
<main>
<h1>Upload files to DocSpace</h1>
<form id="access" aria-label="Upload ticket">
  <div class="fields">
    <div>
      <label for="ticket">Upload ticket</label>
      <input id="ticket" type="password" autocomplete="off" spellcheck="false" aria-describedby="ticket-info">
    </div>
    <div>
      <label for="folder">Folder</label>
      <input id="folder" type="text" inputmode="numeric" autocomplete="off">
    </div>
  </div>
  <p id="ticket-info"></p>
</form>
<section id="resume" aria-labelledby="resume-title" hidden>
  <h2 id="resume-title">Unfinished uploads</h2>
  <p>These uploads stopped before they were done. Pick the same files (or the same folder) again to continue where they stopped, or discard them.</p>
  <ul id="saved"></ul>
</section>
<div id="drop">
  <p>Drop files or folders here, or</p>
  <div class="bar">
    <button id="pick-files" type="button">Choose files</button>
    <button id="pick-folder" type="button">Choose a folder</button>
  </div>
  <input id="files" type="file" multiple hidden aria-label="Files to upload">
  <input id="folder-files" type="file" multiple webkitdirectory hidden aria-label="Folder to upload">
</div>
<p id="notice" role="status"></p>
<section aria-labelledby="list-title">
  <h2 id="list-title">Files</h2>
  <p id="summary" role="status" aria-live="polite"></p>
  <p id="wait" role="status" hidden></p>
  <div class="bar">
    <button id="upload" class="primary" type="button" disabled>Upload</button>
    <button id="clear" type="button" disabled>Clear finished</button>
  </div>
  <ul id="list" aria-labelledby="list-title"></ul>
</section>
</main>
<script type="module" src="${script}"></script>
</body>
</html>
`;
}
