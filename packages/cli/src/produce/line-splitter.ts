const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const NO_LINES: Buffer[] = [];

/**
 * Splits a byte stream into lines at `\n` (a `\r` before it is dropped too, for CRLF files).
 * Lines are returned without their terminator, as subarrays of the chunk where possible (no
 * copy); a line that spans chunks is joined once. `pendingBytes` is how many bytes of an
 * unfinished line are held: a reader at byte `readPosition` has delivered every line ending at
 * or before `readPosition - pendingBytes` — the position a follower checkpoints.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingLength = 0;

  /** Bytes of the unfinished last line. */
  get pendingBytes(): number {
    return this.pendingLength;
  }

  /** The complete lines that `chunk` finishes. */
  push(chunk: Buffer): Buffer[] {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    if (newline < 0) {
      if (chunk.length > 0) this.hold(chunk);
      return NO_LINES;
    }
    const lines: Buffer[] = [];
    while (newline >= 0) {
      let line = chunk.subarray(start, newline);
      if (this.pendingLength > 0) {
        line = Buffer.concat([...this.pending, line]);
        this.pending = [];
        this.pendingLength = 0;
      }
      lines.push(stripCarriageReturn(line));
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
    return lines;
  }

  /** The unfinished last line as a line (at end of input), or null when there is none. */
  flush(): Buffer | null {
    if (this.pendingLength === 0) return null;
    const line = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingLength = 0;
    return stripCarriageReturn(line);
  }

  private hold(bytes: Buffer): void {
    // Copy: the caller may reuse its read buffer for the next chunk.
    this.pending.push(Buffer.from(bytes));
    this.pendingLength += bytes.length;
  }
}

function stripCarriageReturn(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.subarray(0, line.length - 1) : line;
}
