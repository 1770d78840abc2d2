/**
 * Writes `text` (a string as UTF-8, or bytes as they are) to stdout and resolves once the stream can take more (backpressure), so a
 * consumer piped into a slow reader never buffers the topic in memory. Resolves false when
 * stdout is closed under us (EPIPE: `sluice consume … | head`), which callers treat as "stop".
 */
export function writeOut(text: string | Uint8Array, stream: NodeJS.WritableStream = process.stdout): Promise<boolean> {
  if (stdoutClosed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const ok = stream.write(text, (error) => {
      if (error) stdoutClosed = true;
    });
    if (ok) resolve(!stdoutClosed);
    else stream.once('drain', () => resolve(!stdoutClosed));
  });
}

let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // A reader that went away is a normal end of output; anything else is re-thrown.
  if (error.code === 'EPIPE') {
    stdoutClosed = true;
    process.stdout.emit('drain');
    return;
  }
  throw error;
});

/** Whether stdout was closed by its reader (EPIPE). */
export function isStdoutClosed(): boolean {
  return stdoutClosed;
}
