// Node's own loopback TCP bandwidth: a child Node process reads and discards, this process
// writes 256 KiB buffers as fast as the socket drains, for `durationMs`. Two processes, as a
// broker and its consumer are: the ceiling for consume throughput in bytes.
import { runProcess, startProcess, round } from './util.mjs';
import { connect } from 'node:net';

const SINK = `
const net = require('node:net');
let bytes = 0;
const server = net.createServer((s) => {
  s.on('data', (c) => { bytes += c.length; });
  s.on('end', () => { process.stdout.write('BYTES ' + bytes + '\\n'); s.end(); server.close(); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + server.address().port + '\\n'));
`;

/** Sends for `durationMs`; returns MB/s (10^6 bytes/s) as counted by the receiving process. */
export async function nodeLoopbackBandwidth({ durationMs = 5000, chunkBytes = 256 * 1024 } = {}) {
  const sink = await startProcess(process.execPath, ['-e', SINK], /PORT (\d+)/);
  try {
    const port = Number(/PORT (\d+)/.exec(sink.output())[1]);
    const chunk = Buffer.alloc(chunkBytes, 0x61);
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const startedAt = performance.now();
    let sent = 0;
    await new Promise((resolve) => {
      const pump = () => {
        while (performance.now() - startedAt < durationMs) {
          sent += chunk.length;
          if (!socket.write(chunk)) return socket.once('drain', pump);
        }
        resolve();
      };
      pump();
    });
    const received = await new Promise((resolve) => {
      let out = '';
      sink.child.stdout.on('data', (c) => {
        out += c;
        const m = /BYTES (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      socket.end();
    });
    const elapsedMs = performance.now() - startedAt;
    return { name: 'Node loopback TCP, 256 KiB writes', mbPerSec: round(received / 1e6 / (elapsedMs / 1000), 1), bytes: received, sentBytes: sent, elapsedMs: round(elapsedMs) };
  } finally {
    await sink.stop();
  }
}

export { runProcess };
