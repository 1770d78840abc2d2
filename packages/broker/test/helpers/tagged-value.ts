/**
 * A record value of `bytes` bytes (a multiple of 8) whose every 8-byte word holds `first` and
 * `second` as uint32 BE: any slice of it shows which record it belongs to, so a test can tell
 * overwritten or misplaced memory from the right data.
 */
export function taggedValue(first: number, second: number, bytes: number): Buffer {
  const value = Buffer.allocUnsafe(bytes);
  for (let at = 0; at < bytes; at += 8) {
    value.writeUInt32BE(first, at);
    value.writeUInt32BE(second, at + 4);
  }
  return value;
}
