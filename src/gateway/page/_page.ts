// The upload page's HTML. Its script (client.ts, bundled into script.generated.ts)
// uploads through the gateway's DocSpace-compatible routes with a ticket, so files of any size work.

/** Where the page's script is served, below the gateway's base path. */
export const PAGE_SCRIPT_PATH = "/upload-page.js";

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => `&#${ch.charCodeAt(0)};`,
  );
}

/** The page, for a gateway served at `base` (a path without a trailing slash, "" at the root). */
export function pageHtml(base: string): string {
  const script = escapeHtml(base + PAGE_SCRIPT_PATH);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Upload to DocSpace</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  label { display: block; margin: 0.75rem 0 0.25rem; font-weight: 600; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: 0.4rem; font: inherit; }
  #drop { margin: 1rem 0; padding: 2rem 1rem; border: 2px dashed #999; border-radius: 8px; text-align: center; }
  #drop.over { border-color: #2a6; background: #efe; }
  button { font: inherit; padding: 0.4rem 1.2rem; }
  progress { width: 100%; height: 1.2rem; }
  #result { white-space: pre-wrap; background: #f4f4f4; padding: 0.5rem; }
  .error { color: #b00; }
</style>
</head>
<body>
<h1>Upload to DocSpace</h1>
<form id="form">
  <label for="ticket">Upload ticket</label>
  <input id="ticket" type="password" autocomplete="off" placeholder="ut1.…">
  <label for="folder">Folder</label>
  <input id="folder" type="text" inputmode="numeric" placeholder="folder id">
  <div id="drop">
    <p>Drop a file here, or choose one:</p>
    <input id="file" type="file">
  </div>
  <button id="upload" type="submit" disabled>Upload</button>
</form>
<p id="status" role="status"></p>
<progress id="progress" max="100" value="0" hidden></progress>
<p><output id="percent"></output> <output id="bytes"></output></p>
<pre id="result" hidden></pre>
<script type="module" src="${script}"></script>
</body>
</html>
`;
}
