// Frame decoding (int32 size prefix) as the broker's socket reader does it: 64 KiB socket chunks
// carrying 1 KiB frames (frames inside one chunk are subarrays; those crossing chunks are copied).
import { FrameDecoder } from '../../packages/protocol/dist/index.js';
import { runIfMain } from '../micro/harness.mjs';

export const concept = 'frame decoding';
export function tasks() {
  const frame = Buffer.alloc(1028, 0x61);
  frame.writeInt32BE(1024, 0);
  const stream = Buffer.concat(Array.from({ length: 1024 }, () => frame)); // ~1 MiB
  const chunks = [];
  for (let at = 0; at < stream.length; at += 65536) chunks.push(stream.subarray(at, at + 65536));
  return [
    {
      name: '1024 frames of 1 KiB in 64 KiB chunks',
      fn: () => {
        const decoder = new FrameDecoder();
        let frames = 0;
        for (const chunk of chunks) {
          decoder.push(chunk);
          while (decoder.next() !== undefined) frames++;
        }
        return frames;
      },
      bytesPerOp: stream.length,
    },
  ];
}
await runIfMain(import.meta.url, { concept, tasks });
