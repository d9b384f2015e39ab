// An upload killed part-way, as a crashed process leaves it: the session open on the server, some chunks
// stored, and the state `onState` saved last, for the tests that resume it.
import { assertRejects } from "@std/assert";
import { uploadFile, type UploadState } from "../../mod.ts";
import type { RunningEmulator } from "../../testing.ts";

/**
 * Uploads `bytes` as `resume.bin` into folder 1, one chunk at a time, with a fetch that dies on the
 * `dieOn`-th chunk request; the upload fails (no retry, no abort) and the last saved state is returned.
 */
export async function crashedUpload(
  portal: RunningEmulator,
  bytes: Uint8Array<ArrayBuffer>,
  dieOn: number,
): Promise<UploadState> {
  let state: UploadState | undefined;
  let chunkRequests = 0;
  const crash = new Error("process killed");
  const dying: typeof fetch = (input, init) => {
    if (String(input).includes("chunkNumber=") && ++chunkRequests === dieOn) {
      return Promise.reject(crash);
    }
    return fetch(input, init);
  };
  await assertRejects(() =>
    uploadFile(new Blob([bytes]), {
      url: portal.url,
      token: portal.token,
      folderId: 1,
      fileName: "resume.bin",
      concurrency: 1,
      fetch: dying,
      retry: { attempts: 1 },
      abortSessionOnFailure: false,
      onState: (s) => state = JSON.parse(JSON.stringify(s)),
    })
  );
  if (state === undefined) throw new Error("the upload saved no state");
  return state;
}
