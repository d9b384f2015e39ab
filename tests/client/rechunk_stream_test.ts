import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { toBytes } from "@std/streams/to-bytes";
import fc from "fast-check";
import {
  type PooledChunk,
  RechunkStream,
  StreamLengthError,
} from "../../mod.ts";
import { MAX_CHUNK_SIZE } from "../../src/client/_chunk_size.ts";
import { Rechunker } from "../../src/client/_rechunker.ts";
import { frameInRoom } from "../../src/client/_chunk_frame.ts";
import { byteStreamOf } from "../_helpers.ts";

async function rechunk(
  pieces: Uint8Array[],
  chunkSize: number,
): Promise<Blob[]> {
  return await Array.fromAsync(
    ReadableStream.from(pieces).pipeThrough(new RechunkStream({ chunkSize })),
  );
}

async function concat(blobs: Blob[]): Promise<Uint8Array> {
  return new Uint8Array(await new Blob(blobs).arrayBuffer());
}

function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((
    a,
    b,
  ) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.slice(start, point));
    start = point;
  }
  return pieces;
}

Deno.test("RechunkStream emits exact chunks for any input, cutting and chunk size", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 6000 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.integer({ min: 1, max: 8 }),
      async (bytes, cuts, blocks) => {
        const chunkSize = blocks * 512;
        const blobs = await rechunk(cut(bytes, cuts), chunkSize);
        const sizes = blobs.map((b) => b.size);
        const expected = Array.from(
          { length: Math.ceil(bytes.length / chunkSize) },
          (_, i) => Math.min(chunkSize, bytes.length - i * chunkSize),
        );
        assertEquals(sizes, expected);
        assertEquals(await concat(blobs), bytes);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("RechunkStream handles 1-byte pieces", async () => {
  const bytes = crypto.getRandomValues(new Uint8Array(1500));
  const pieces = Array.from(bytes, (b) => Uint8Array.of(b));
  const blobs = await rechunk(pieces, 512);
  assertEquals(blobs.map((b) => b.size), [512, 512, 476]);
  assertEquals(await concat(blobs), bytes);
});

Deno.test("RechunkStream cuts one piece bigger than several chunks", async () => {
  const bytes = crypto.getRandomValues(new Uint8Array(512 * 5 + 7));
  const blobs = await rechunk([bytes], 1024);
  assertEquals(blobs.map((b) => b.size), [1024, 1024, 512 + 7]);
  assertEquals(await concat(blobs), bytes);
});

Deno.test("RechunkStream emits nothing for empty input and ignores empty pieces", async () => {
  assertEquals(await rechunk([], 512), []);
  assertEquals(await rechunk([new Uint8Array(0), new Uint8Array(0)], 512), []);
  const blobs = await rechunk(
    [new Uint8Array(0), new Uint8Array(512), new Uint8Array(0)],
    512,
  );
  assertEquals(blobs.map((b) => b.size), [512]);
});

Deno.test("RechunkStream defaults to 10 MiB chunks", async () => {
  const blobs = await rechunk(
    [new Uint8Array(MAX_CHUNK_SIZE + 1)],
    MAX_CHUNK_SIZE,
  );
  assertEquals(blobs.map((b) => b.size), [MAX_CHUNK_SIZE, 1]);
  const defaults = await Array.fromAsync(
    ReadableStream.from([new Uint8Array(MAX_CHUNK_SIZE + 512)]).pipeThrough(
      new RechunkStream(),
    ),
  );
  assertEquals(defaults.map((b) => b.size), [MAX_CHUNK_SIZE, 512]);
});

Deno.test("RechunkStream refuses chunk sizes DocSpace would refuse", () => {
  for (const chunkSize of [0, -512, 1000, 512.5, MAX_CHUNK_SIZE + 512, NaN]) {
    assertThrows(
      () => new RechunkStream({ chunkSize }),
      RangeError,
      `Cannot create RechunkStream: chunkSize must be a positive multiple of 512 no greater than 10485760, received ${chunkSize}`,
    );
  }
});

Deno.test("RechunkStream errors the stream on non-Uint8Array input", async () => {
  const input = ReadableStream.from<unknown>(["text"]) as ReadableStream<
    Uint8Array
  >;
  await assertRejects(
    () => toBytes(input.pipeThrough(new RechunkStream({ chunkSize: 512 }))),
    TypeError,
    "Cannot rechunk: expected Uint8Array pieces, received string",
  );
  const buffer = ReadableStream.from<unknown>([
    new ArrayBuffer(4),
  ]) as ReadableStream<
    Uint8Array
  >;
  await assertRejects(
    () =>
      Array.fromAsync(
        buffer.pipeThrough(new RechunkStream({ chunkSize: 512 })),
      ),
    TypeError,
    "received ArrayBuffer",
  );
});

Deno.test("RechunkStream honours backpressure: a stalled reader stalls the producer", async () => {
  const chunkSize = 512;
  let pulled = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(chunkSize));
      if (pulled === 1000) controller.close();
    },
  }, { highWaterMark: 0 });
  const reader = source.pipeThrough(new RechunkStream({ chunkSize }))
    .getReader();
  const first = await reader.read();
  assertEquals(first.value?.size, chunkSize);
  await new Promise((resolve) => setTimeout(resolve, 50));
  // One chunk read, one waiting in the readable side, one in the writable queue, one being pulled.
  assertEquals(
    pulled <= 4,
    true,
    `producer ran ahead: ${pulled} pieces pulled`,
  );
  await reader.cancel();
});

/** The three kinds of source the rechunker reads: pieces, a byte stream read by BYOB, one that enqueues. */
const SOURCES = ["pieces", "byob", "byte pieces"] as const;

function sourceOf(
  kind: (typeof SOURCES)[number],
  bytes: Uint8Array,
  cuts: number[],
  steps: number[],
): ReadableStream<Uint8Array> {
  return kind === "pieces"
    ? ReadableStream.from(cut(bytes, cuts))
    : byteStreamOf(bytes, steps, kind === "byte pieces");
}

/** The bytes one after another. */
function join(chunks: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return joined;
}

/** Waits a few turns of the event loop, as a request does. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}

Deno.test("Rechunker, as uploadFile uses it (pooled, framed, concurrent senders), cuts any source exactly in bounded memory", async () => {
  const head = new TextEncoder().encode("--B\r\n\r\n");
  const tail = new TextEncoder().encode("\r\n--B--\r\n");
  const frame = { head, tail, contentType: "multipart/form-data; boundary=B" };
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...SOURCES),
      fc.uint8Array({ maxLength: 5000 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 1500 }), { maxLength: 6 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 8 }),
      async (kind, bytes, cuts, steps, blocks, buffers, waits) => {
        const chunkSize = blocks * 512;
        const core = new Rechunker(sourceOf(kind, bytes, cuts, steps), {
          chunkSize,
          buffers,
          size: bytes.length,
          room: { before: head.length, after: tail.length },
        });
        const received = new Map<number, Uint8Array>();
        let out = 0;
        let most = 0;
        // `buffers` senders, each holding its chunk over a few turns, then releasing it, as uploadFile's do.
        const sender = async (id: number) => {
          for (
            let chunk = await core.next();
            chunk;
            chunk = await core.next()
          ) {
            most = Math.max(most, ++out);
            const framed = frameInRoom(frame, chunk.bytes).body.slice();
            await turns(waits[(chunk.number + id) % waits.length]!);
            // The buffer is not reused while the chunk is out.
            assertEquals(frameInRoom(frame, chunk.bytes).body, framed);
            received.set(chunk.number, chunk.bytes.slice());
            assertEquals(framed.subarray(0, head.length), head);
            assertEquals(framed.subarray(framed.length - tail.length), tail);
            out--;
            chunk.release();
          }
        };
        await Promise.all(
          Array.from({ length: buffers }, (_, id) => sender(id)),
        );
        const numbers = [...received.keys()].sort((a, b) => a - b);
        const count = Math.ceil(bytes.length / chunkSize);
        assertEquals(numbers, Array.from({ length: count }, (_, i) => i + 1));
        const chunks = numbers.map((n) => received.get(n)!);
        for (const chunk of chunks.slice(0, -1)) {
          assertEquals(chunk.length, chunkSize);
        }
        assertEquals(join(chunks), bytes);
        // The pool is bounded, and its buffers are reused.
        assertEquals(most <= buffers, true);
        assertEquals(
          core.buffersMade <= Math.min(buffers, Math.max(count, 1)),
          true,
        );
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("RechunkStream.pooled cuts any source into exact chunks, without a size too", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...SOURCES),
      fc.uint8Array({ maxLength: 6000 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 6 }),
      fc.integer({ min: 1, max: 8 }),
      fc.boolean(),
      async (kind, bytes, cuts, steps, blocks, sized) => {
        const chunkSize = blocks * 512;
        const chunks: Uint8Array[] = [];
        const numbers: number[] = [];
        for await (
          const chunk of RechunkStream.pooled(
            sourceOf(kind, bytes, cuts, steps),
            sized ? { chunkSize, size: bytes.length } : { chunkSize },
          )
        ) {
          chunks.push(chunk.bytes.slice());
          numbers.push(chunk.number);
          chunk.release();
        }
        const expected = Array.from(
          { length: Math.ceil(bytes.length / chunkSize) },
          (_, i) => Math.min(chunkSize, bytes.length - i * chunkSize),
        );
        assertEquals(chunks.map((c) => c.length), expected);
        assertEquals(numbers, expected.map((_, i) => i + 1));
        assertEquals(join(chunks), bytes);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("RechunkStream.pooled refuses any stream longer or shorter than its size with StreamLengthError", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...SOURCES),
      fc.uint8Array({ maxLength: 4000 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: -3000, max: 3000 }).filter((d) => d !== 0),
      async (kind, bytes, cuts, steps, blocks, difference) => {
        const size = Math.max(0, bytes.length + difference);
        if (size === bytes.length) return;
        const chunks = RechunkStream.pooled(
          sourceOf(kind, bytes, cuts, steps),
          {
            chunkSize: blocks * 512,
            size,
          },
        );
        let handed = 0;
        const error = await assertRejects(async () => {
          for (
            let chunk = await chunks.next();
            chunk;
            chunk = await chunks.next()
          ) {
            handed += chunk.bytes.length;
            chunk.release();
          }
        }, StreamLengthError);
        assertEquals(error.expected, size);
        if (bytes.length < size) {
          assertEquals(error.received, bytes.length);
          assertEquals(
            error.message,
            `Cannot rechunk: the stream ended after ${bytes.length} bytes but its size is ${size}`,
          );
        } else {
          assertEquals(error.received > size, true);
          assertEquals(
            error.message,
            `Cannot rechunk: the stream has more bytes than its size (${size})`,
          );
        }
        // A longer stream never yields its last chunk: no one completes a file from it.
        assertEquals(handed < size || size === 0, true);
        // The failure sticks.
        await assertRejects(() => chunks.next(), StreamLengthError);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("RechunkStream.pooled waits for a buffer while all are out, and reuses them", async () => {
  const bytes = crypto.getRandomValues(new Uint8Array(512 * 6));
  const core = new Rechunker(byteStreamOf(bytes, [700]), {
    chunkSize: 512,
    buffers: 2,
  });
  const first = (await core.next())!;
  const second = (await core.next())!;
  let third: PooledChunk | undefined;
  const waiting = core.next().then((chunk) => third = chunk);
  await turns(3);
  assertEquals(third, undefined);
  first.release();
  await waiting;
  assertEquals([first.number, second.number, third!.number], [1, 2, 3]);
  second.release();
  third!.release();
  let rest = 0;
  for (let chunk = await core.next(); chunk; chunk = await core.next()) {
    rest++;
    chunk.release();
  }
  assertEquals(rest, 3);
  assertEquals(core.buffersMade, 2);
});

Deno.test("RechunkStream.pooled cancels its stream when a for-await loop stops early", async () => {
  let cancelled: unknown;
  const source = new ReadableStream<Uint8Array>({
    pull: (controller) => controller.enqueue(new Uint8Array(512)),
    cancel: (reason) => {
      cancelled = reason ?? "cancelled";
    },
  });
  for await (const chunk of RechunkStream.pooled(source, { chunkSize: 512 })) {
    chunk.release();
    break;
  }
  assertEquals(cancelled, "cancelled");
});

Deno.test("RechunkStream.pooled refuses bad options", () => {
  const source = ReadableStream.from([new Uint8Array(1)]);
  assertThrows(
    () => RechunkStream.pooled(source, { chunkSize: 1000 }),
    RangeError,
    "Cannot rechunk: chunkSize must be a positive multiple of 512 no greater than 10485760, received 1000",
  );
  assertThrows(
    () => RechunkStream.pooled(source, { buffers: 0 }),
    RangeError,
    "Cannot rechunk: buffers must be a positive integer, received 0",
  );
  assertThrows(
    () => RechunkStream.pooled(source, { size: -1 }),
    RangeError,
    "Cannot rechunk: size must be a non-negative integer, received -1",
  );
});

Deno.test("RechunkStream.pooled errors on non-Uint8Array pieces", async () => {
  const input = ReadableStream.from<unknown>([
    new Uint8Array(3),
    "text",
  ]) as ReadableStream<Uint8Array>;
  const chunks = RechunkStream.pooled(input, { chunkSize: 512 });
  await assertRejects(
    () => chunks.next(),
    TypeError,
    "Cannot rechunk: expected Uint8Array pieces, received string",
  );
});
