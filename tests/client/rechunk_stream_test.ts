import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { toBytes } from "@std/streams/to-bytes";
import fc from "fast-check";
import { MAX_CHUNK_SIZE, RechunkStream } from "../../mod.ts";

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
