// RechunkStream throughput against the floor any Blob-emitting rechunker pays (building the same Blobs
// straight from the same input pieces) and against a naive concatenate-and-slice rechunker; and its
// pooled output (the path uploadFile takes), from a stream of pieces and from a byte stream (BYOB).
// Run: deno run -A bench/rechunk_stream.ts [MiB]
import { RechunkStream } from "../mod.ts";
import { fastest, mibPerSecond } from "./_measure.ts";

const total = Number(Deno.args[0] ?? 512) * 1024 * 1024;
const pieceSize = 64 * 1024;
const chunkSize = 10 * 1024 * 1024;
const data = new Uint8Array(total);
for (let i = 0; i < total; i += 65536) {
  crypto.getRandomValues(data.subarray(i, Math.min(total, i + 65536)));
}
const pieces: Uint8Array[] = [];
for (let i = 0; i < total; i += pieceSize) {
  pieces.push(data.subarray(i, i + pieceSize));
}

async function floor(): Promise<number> {
  // The same Blobs, built from the same pieces with no stream machinery.
  const perChunk = chunkSize / pieceSize;
  let size = 0;
  for (let i = 0; i < pieces.length; i += perChunk) {
    size += new Blob(pieces.slice(i, i + perChunk) as BlobPart[]).size;
  }
  return await Promise.resolve(size);
}

async function rechunkStream(): Promise<number> {
  let size = 0;
  const blobs = ReadableStream.from(pieces).pipeThrough(
    new RechunkStream({ chunkSize }),
  );
  for await (const blob of blobs) size += blob.size;
  return size;
}

async function pooled(): Promise<number> {
  // The same cutting into one reused buffer, as uploadFile reads a stream (its consumer sends, then releases).
  let size = 0;
  for await (
    const chunk of RechunkStream.pooled(ReadableStream.from(pieces), {
      chunkSize,
      size: total,
    })
  ) {
    size += chunk.bytes.length;
    chunk.release();
  }
  return size;
}

async function pooledByob(): Promise<number> {
  // A byte stream (as a file is) read with BYOB straight into the reused buffer.
  let offset = 0;
  const bytes = new ReadableStream({
    type: "bytes",
    pull(controller) {
      const request = controller.byobRequest!;
      if (offset >= total) {
        controller.close();
        request.respond(0);
        return;
      }
      const view = request.view as Uint8Array;
      const n = Math.min(view.byteLength, pieceSize, total - offset);
      new Uint8Array(view.buffer, view.byteOffset, n).set(
        data.subarray(offset, offset + n),
      );
      offset += n;
      request.respond(n);
    },
  });
  let size = 0;
  for await (
    const chunk of RechunkStream.pooled(bytes, { chunkSize, size: total })
  ) {
    size += chunk.bytes.length;
    chunk.release();
  }
  return size;
}

async function naive(): Promise<number> {
  // Concatenate into a growing buffer, slice chunks off the front.
  let buffer = new Uint8Array(0);
  const blobs = ReadableStream.from(pieces).pipeThrough(
    new TransformStream<Uint8Array, Blob>({
      transform(piece, controller) {
        const next = new Uint8Array(buffer.length + piece.length);
        next.set(buffer);
        next.set(piece, buffer.length);
        buffer = next;
        while (buffer.length >= chunkSize) {
          controller.enqueue(new Blob([buffer.slice(0, chunkSize)]));
          buffer = buffer.slice(chunkSize);
        }
      },
      flush(controller) {
        if (buffer.length) controller.enqueue(new Blob([buffer]));
      },
    }),
  );
  let size = 0;
  for await (const blob of blobs) size += blob.size;
  return size;
}

// Interleaved, fastest of each, so a busy moment on the machine hits both alike.
const runs = 5;
let floorMs = Infinity;
let streamMs = Infinity;
for (let i = 0; i < runs; i++) {
  floorMs = Math.min(floorMs, await fastest(1, floor));
  streamMs = Math.min(streamMs, await fastest(1, rechunkStream));
}
const naiveMs = await fastest(1, naive);
const pooledMs = await fastest(runs, pooled);
const byobMs = await fastest(runs, pooledByob);
console.log(
  `RechunkStream, ${total / 1024 / 1024} MiB in ${
    pieceSize / 1024
  } KiB pieces, ${chunkSize / 1024 / 1024} MiB chunks (fastest of ${runs})`,
);
console.table({
  "floor (Blobs straight from pieces)": {
    ms: Math.round(floorMs),
    throughput: mibPerSecond(total, floorMs),
    "throughput vs floor": "1.00",
  },
  "RechunkStream (Blob output)": {
    ms: Math.round(streamMs),
    throughput: mibPerSecond(total, streamMs),
    "throughput vs floor": (floorMs / streamMs).toFixed(2),
  },
  "RechunkStream.pooled (stream of pieces)": {
    ms: Math.round(pooledMs),
    throughput: mibPerSecond(total, pooledMs),
    "throughput vs floor": (floorMs / pooledMs).toFixed(2),
  },
  "RechunkStream.pooled (byte stream, BYOB)": {
    ms: Math.round(byobMs),
    throughput: mibPerSecond(total, byobMs),
    "throughput vs floor": (floorMs / byobMs).toFixed(2),
  },
  "naive concat-and-slice": {
    ms: Math.round(naiveMs),
    throughput: mibPerSecond(total, naiveMs),
    "throughput vs floor": (floorMs / naiveMs).toFixed(2),
  },
});
console.log(
  `RechunkStream throughput is ${
    (floorMs / streamMs).toFixed(2)
  } of the floor (target >= 0.95) and ${
    (naiveMs / streamMs).toFixed(1)
  }x the naive rechunker`,
);
