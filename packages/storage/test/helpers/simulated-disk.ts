import fs from 'node:fs';
import path from 'node:path';
import type { DiskCallback, DiskIo } from '../../src/io/disk.js';

/** A data directory path inside a {@link SimulatedDisk}, for tests that need one. */
export const SIMULATED_DATA_DIR = '/sluice/data';

/**
 * An in-memory disk with a page cache, for power-loss tests: a {@link DiskIo} that keeps, per
 * file, the durable bytes and the writes since the last fdatasync, and per directory the durable
 * entries and the creates, renames and unlinks since the last fsync of that directory. A power
 * cut ({@link SimulatedDisk.cutPower}) throws away what was not made durable, as a real machine
 * may (POSIX promises no more; ext4 and XFS do lose un-fsynced directory entries):
 *
 * - fdatasync/fsync of a file makes its content and size durable, not its name;
 * - fsync of a directory makes its entries durable (a new file, a rename, an unlink);
 * - at a cut, in `'random'` mode, each file keeps a random prefix of its unsynced writes and
 *   truncates (the first dropped write may be torn: a random prefix of its bytes lands), and the
 *   directories keep a random prefix of the unsynced entry changes in the order they were made
 *   (a rename is one atomic change, as in a journal). In `'strict'` mode nothing unsynced survives.
 *
 * A cut happens when the test calls `cutPower()`, or by itself at the n-th operation after
 * {@link SimulatedDisk.armCut}(n) (that operation fails). From the cut until {@link reboot} every
 * operation fails with EIO, so the pre-cut objects (logs, timers) die without touching the
 * post-cut state; descriptors opened before the cut stay invalid (EBADF) after it.
 *
 * Paths are POSIX absolute paths inside the model (nothing touches the real file system). The
 * directories given to the constructor exist and are durable from the start.
 */
export class SimulatedDisk implements DiskIo {
  private readonly nodes = new Map<number, FileNode | DirNode>();
  private readonly root: DirNode;
  private nextId = 1;
  private nextFd = 1000;
  private fds = new Map<number, { node: FileNode | DirNode; path: string }>();
  /** Unsynced directory-entry changes, oldest first; each group is atomic (a rename is one). */
  private pendingEntries: EntryChange[][] = [];
  private countdown = -1;
  private cut = false;
  private readonly cutListeners: Array<() => void> = [];
  /** Counters: operations since construction, and cuts. */
  readonly stats = { operations: 0, cuts: 0, fdatasyncs: 0, dirFsyncs: 0 };

  constructor(options: { dirs?: readonly string[]; mode?: CutMode; random?: () => number; ignoreSyncs?: boolean } = {}) {
    this.root = this.newDir();
    this.mode = options.mode ?? 'random';
    this.random = options.random ?? Math.random;
    this.ignoreSyncs = options.ignoreSyncs ?? false;
    for (const dir of options.dirs ?? []) {
      let parent = this.root;
      for (const name of components(dir)) {
        const id = parent.entries.get(name);
        const child = id === undefined ? this.newDir() : this.nodes.get(id)!;
        if (child.kind !== 'dir') throw new Error(`${dir}: not a directory`);
        parent.entries.set(name, child.id);
        parent.durableEntries.set(name, child.id);
        parent = child;
      }
    }
  }

  /** How a cut treats unsynced state (see the class doc). */
  readonly mode: CutMode;
  private readonly random: () => number;
  /** While set, fdatasync and fsync succeed without making anything durable (a disk that ignores flushes). */
  ignoreSyncs: boolean;

  /** Whether the power is off (cut, not yet rebooted). */
  get isCut(): boolean {
    return this.cut;
  }

  /** Cuts the power at the `operations`-th disk operation from now (1 = the next one), which fails with EIO. */
  armCut(operations: number): void {
    this.countdown = Math.max(1, Math.floor(operations));
  }

  /** Cancels an armed cut. */
  disarmCut(): void {
    this.countdown = -1;
  }

  /** Resolves at the next cut (armed or explicit). */
  whenCut(): Promise<void> {
    if (this.cut) return Promise.resolve();
    return new Promise((resolve) => this.cutListeners.push(resolve));
  }

  /**
   * Power cut now: the durable state becomes what survives (see the class doc) and every
   * operation fails with EIO until {@link reboot}. A no-op when already cut.
   */
  cutPower(): void {
    if (this.cut) return;
    this.cut = true;
    this.countdown = -1;
    this.stats.cuts++;
    const keepSome = this.mode === 'random';
    for (const node of this.nodes.values()) {
      if (node.kind !== 'file') continue;
      let durable = node.durable;
      const keep = keepSome ? this.int(0, node.pending.length) : 0;
      for (let i = 0; i < keep; i++) durable = applyChange(durable, node.pending[i]!);
      const torn = node.pending[keep];
      if (keepSome && torn?.kind === 'write' && this.random() < 0.5) {
        durable = applyChange(durable, { kind: 'write', position: torn.position, bytes: torn.bytes.subarray(0, this.int(0, torn.bytes.length)) });
      }
      node.durable = durable;
      node.data = Buffer.from(durable);
      node.size = durable.length;
      node.pending = [];
    }
    const keepGroups = keepSome ? this.int(0, this.pendingEntries.length) : 0;
    for (const group of this.pendingEntries.slice(0, keepGroups)) {
      for (const change of group) {
        if (change.id === undefined) change.dir.durableEntries.delete(change.name);
        else change.dir.durableEntries.set(change.name, change.id);
      }
    }
    this.pendingEntries = [];
    for (const node of this.nodes.values()) if (node.kind === 'dir') node.entries = new Map(node.durableEntries);
    this.fds = new Map();
    for (const listener of this.cutListeners.splice(0)) listener();
  }

  /**
   * Power back on: operations work again, on the state that survived the cut. Call it only once
   * the pre-cut world has stopped ({@link quiesce}): io/disk.ts has one implementation for the
   * whole process, so a path operation left over from before the cut (a rename of retention, a
   * deferred unlink) would otherwise land on the rebooted state.
   */
  reboot(): void {
    this.cut = false;
  }

  /**
   * Resolves once no operation was attempted for `idleTurns` event-loop turns and `idleMs` ms
   * in a row (the pre-cut world, failing on EIO, has run out of things to try); rejects after
   * `timeoutMs`.
   */
  async quiesce(idleTurns = 20, idleMs = 10, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = this.stats.operations;
    let turns = 0;
    let since = Date.now();
    while (turns < idleTurns || Date.now() - since < idleMs) {
      if (Date.now() > deadline) throw new Error(`disk operations still attempted after ${timeoutMs} ms`);
      await new Promise((resolve) => (turns % 2 === 0 ? setImmediate(resolve) : setTimeout(resolve, 1)));
      if (this.stats.operations !== seen) {
        seen = this.stats.operations;
        turns = 0;
        since = Date.now();
      } else {
        turns++;
      }
    }
  }

  /** The durable bytes of a file (what a cut now would keep at least), or null if its name is not durable. */
  durableContent(filePath: string): Buffer | null {
    const node = this.resolve(filePath, true);
    return node?.kind === 'file' ? Buffer.from(node.durable) : null;
  }

  /** Names in a directory as the page cache shows them (no operation counted). */
  peekDir(dirPath: string): string[] {
    const node = this.resolve(dirPath, false);
    return node?.kind === 'dir' ? [...node.entries.keys()] : [];
  }

  // DiskIo: descriptor operations (callbacks run on a later turn, as fs calls them).

  open(filePath: string, flags: string | number, _mode: number, callback: DiskCallback<number>): void {
    this.run(callback, 'open', filePath, () => {
      const { create, truncate, exclusive } = parseFlags(flags);
      let node = this.resolve(filePath, false);
      if (node && exclusive && create) throw errno('EEXIST', 'open', filePath);
      if (!node) {
        if (!create) throw errno('ENOENT', 'open', filePath);
        const { dir, name } = this.parentOf(filePath, 'open');
        node = this.newFile();
        this.changeEntries([{ dir, name, id: node.id }]);
      } else if (node.kind === 'file' && truncate && node.size > 0) {
        this.writeChange(node, { kind: 'truncate', length: 0 });
      }
      const fd = this.nextFd++;
      this.fds.set(fd, { node, path: filePath });
      return fd;
    });
  }

  close(fd: number, callback: DiskCallback): void {
    this.run(callback, 'close', String(fd), () => {
      this.fileOf(fd, 'close', true);
      this.fds.delete(fd);
    });
  }

  writev(fd: number, buffers: Buffer[], position: number, callback: DiskCallback<number>): void {
    this.run(callback, 'write', String(fd), () => {
      const node = this.fileOf(fd, 'write') as FileNode;
      // Copied: callers may reuse their buffers once the write is done.
      const bytes = Buffer.concat(buffers);
      this.writeChange(node, { kind: 'write', position, bytes });
      return bytes.length;
    });
  }

  read(fd: number, buffer: Buffer, offset: number, length: number, position: number, callback: DiskCallback<number>): void {
    this.run(callback, 'read', String(fd), () => {
      const node = this.fileOf(fd, 'read') as FileNode;
      const n = Math.max(0, Math.min(length, node.size - position));
      node.data.copy(buffer, offset, position, position + n);
      return n;
    });
  }

  fdatasync(fd: number, callback: DiskCallback): void {
    this.run(callback, 'fdatasync', String(fd), () => this.syncNode(this.fileOf(fd, 'fdatasync', true)));
  }

  fsync(fd: number, callback: DiskCallback): void {
    this.run(callback, 'fsync', String(fd), () => this.syncNode(this.fileOf(fd, 'fsync', true)));
  }

  ftruncate(fd: number, length: number, callback: DiskCallback): void {
    this.run(callback, 'ftruncate', String(fd), () => {
      this.writeChange(this.fileOf(fd, 'ftruncate') as FileNode, { kind: 'truncate', length });
    });
  }

  // DiskIo: path operations.

  stat(filePath: string): Promise<{ size: number; mtimeMs: number }> {
    return this.runAsync('stat', filePath, () => {
      const node = this.resolve(filePath, false);
      if (!node) throw errno('ENOENT', 'stat', filePath);
      return { size: node.kind === 'file' ? node.size : 0, mtimeMs: node.kind === 'file' ? node.mtimeMs : 0 };
    });
  }

  readdir(dirPath: string): Promise<string[]> {
    return this.runAsync('readdir', dirPath, () => {
      const node = this.resolve(dirPath, false);
      if (!node) throw errno('ENOENT', 'readdir', dirPath);
      if (node.kind !== 'dir') throw errno('ENOTDIR', 'readdir', dirPath);
      return [...node.entries.keys()];
    });
  }

  mkdirRecursive(dirPath: string): Promise<void> {
    return this.runAsync('mkdir', dirPath, () => {
      let parent = this.root;
      for (const name of components(dirPath)) {
        const id = parent.entries.get(name);
        let child = id === undefined ? undefined : this.nodes.get(id)!;
        if (child === undefined) {
          child = this.newDir();
          this.changeEntries([{ dir: parent, name, id: child.id }]);
        }
        if (child.kind !== 'dir') throw errno('ENOTDIR', 'mkdir', dirPath);
        parent = child;
      }
    });
  }

  unlink(filePath: string): Promise<void> {
    return this.runAsync('unlink', filePath, () => {
      const node = this.resolve(filePath, false);
      if (!node) throw errno('ENOENT', 'unlink', filePath);
      if (node.kind === 'dir') throw errno('EISDIR', 'unlink', filePath);
      const { dir, name } = this.parentOf(filePath, 'unlink');
      this.changeEntries([{ dir, name, id: undefined }]);
    });
  }

  removeRecursive(dirPath: string): Promise<void> {
    return this.runAsync('rm', dirPath, () => {
      if (!this.resolve(dirPath, false)) return;
      // Unlinking the top entry drops the subtree from every view (a model simplification).
      const { dir, name } = this.parentOf(dirPath, 'rm');
      this.changeEntries([{ dir, name, id: undefined }]);
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.runAsync('rename', from, () => {
      const node = this.resolve(from, false);
      if (!node) throw errno('ENOENT', 'rename', from);
      const source = this.parentOf(from, 'rename');
      const target = this.parentOf(to, 'rename');
      if (source.dir === target.dir && source.name === target.name) return;
      this.changeEntries([
        { dir: source.dir, name: source.name, id: undefined },
        { dir: target.dir, name: target.name, id: node.id },
      ]);
    });
  }

  readFile(filePath: string): Promise<Buffer> {
    return this.runAsync('read', filePath, () => {
      const node = this.resolve(filePath, false);
      if (!node) throw errno('ENOENT', 'open', filePath);
      if (node.kind !== 'file') throw errno('EISDIR', 'read', filePath);
      return Buffer.from(node.data.subarray(0, node.size));
    });
  }

  // The model.

  /**
   * Called at the start of every operation with its name ('open', 'write', 'fdatasync'...) and
   * its path (a descriptor number for descriptor operations), before it takes effect: a test
   * can act at an exact point (e.g. call `sync()` while a segment roll is creating files).
   */
  onOperation: ((operation: string, target: string) => void) | null = null;

  /** Counts an operation and fires an armed cut; throws EIO while the power is off. */
  private begin(operation: string, target: string): void {
    this.onOperation?.(operation, target);
    this.stats.operations++;
    if (this.countdown > 0 && --this.countdown === 0) this.cutPower();
    if (this.cut) throw errno('EIO', operation, target);
  }

  private run<T>(callback: DiskCallback<T>, operation: string, target: string, body: () => T): void {
    let result: T;
    try {
      this.begin(operation, target);
      result = body();
    } catch (err) {
      setImmediate(() => callback(err as NodeJS.ErrnoException, undefined as T));
      return;
    }
    setImmediate(() => callback(null, result));
  }

  private runAsync<T>(operation: string, target: string, body: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => this.run((err, result) => (err ? reject(err) : resolve(result)), operation, target, body));
  }

  private syncNode(node: FileNode | DirNode): void {
    if (this.ignoreSyncs) return;
    if (node.kind === 'file') {
      this.stats.fdatasyncs++;
      node.durable = Buffer.from(node.data.subarray(0, node.size));
      node.pending = [];
      return;
    }
    this.stats.dirFsyncs++;
    node.durableEntries = new Map(node.entries);
    this.pendingEntries = this.pendingEntries.map((group) => group.filter((c) => c.dir !== node)).filter((group) => group.length > 0);
  }

  private writeChange(node: FileNode, change: FileChange): void {
    const next = applyChange(node.data.subarray(0, node.size), change, node.data);
    node.data = next;
    node.size = next.length;
    node.mtimeMs = Date.now();
    node.pending.push(change);
  }

  private changeEntries(group: EntryChange[]): void {
    for (const change of group) {
      if (change.id === undefined) change.dir.entries.delete(change.name);
      else change.dir.entries.set(change.name, change.id);
    }
    this.pendingEntries.push(group);
  }

  private fileOf(fd: number, operation: string, allowDir = false): FileNode | DirNode {
    const open = this.fds.get(fd);
    if (!open) throw errno('EBADF', operation, String(fd));
    if (open.node.kind === 'dir' && !allowDir) throw errno('EISDIR', operation, open.path);
    return open.node;
  }

  /** The node at `p` through the page-cache entries, or through the durable ones. */
  private resolve(p: string, durable: boolean): FileNode | DirNode | undefined {
    let node: FileNode | DirNode = this.root;
    for (const name of components(p)) {
      if (node.kind !== 'dir') return undefined;
      const id: number | undefined = (durable ? node.durableEntries : node.entries).get(name);
      if (id === undefined) return undefined;
      node = this.nodes.get(id)!;
    }
    return node;
  }

  private parentOf(p: string, operation: string): { dir: DirNode; name: string } {
    const parent = this.resolve(path.posix.dirname(p), false);
    if (!parent) throw errno('ENOENT', operation, p);
    if (parent.kind !== 'dir') throw errno('ENOTDIR', operation, p);
    return { dir: parent, name: path.posix.basename(p) };
  }

  private newFile(): FileNode {
    const node: FileNode = { kind: 'file', id: this.nextId++, data: Buffer.alloc(0), size: 0, durable: Buffer.alloc(0), pending: [], mtimeMs: Date.now() };
    this.nodes.set(node.id, node);
    return node;
  }

  private newDir(): DirNode {
    const node: DirNode = { kind: 'dir', id: this.nextId++, entries: new Map(), durableEntries: new Map() };
    this.nodes.set(node.id, node);
    return node;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }
}

/** `'random'`: a cut keeps a random prefix of unsynced changes (adversarial); `'strict'`: it keeps none. */
export type CutMode = 'random' | 'strict';

interface FileNode {
  readonly kind: 'file';
  readonly id: number;
  /** Page-cache content; bytes [0, size) are the file (the Buffer may be larger). */
  data: Buffer;
  size: number;
  /** Content that survives a cut (exact length). */
  durable: Buffer;
  /** Changes since the last fdatasync, oldest first. */
  pending: FileChange[];
  mtimeMs: number;
}

interface DirNode {
  readonly kind: 'dir';
  readonly id: number;
  entries: Map<string, number>;
  durableEntries: Map<string, number>;
}

type FileChange = { readonly kind: 'write'; readonly position: number; readonly bytes: Buffer } | { readonly kind: 'truncate'; readonly length: number };

/** One directory entry set (`id`) or removed (`id` undefined). */
interface EntryChange {
  readonly dir: DirNode;
  readonly name: string;
  readonly id: number | undefined;
}

/** `content` with `change` applied; reuses `spare` (whose first content.length bytes are `content`) when it is large enough. */
function applyChange(content: Buffer, change: FileChange, spare?: Buffer): Buffer {
  if (change.kind === 'truncate') {
    if (change.length <= content.length) return content.subarray(0, change.length);
    const grown = Buffer.alloc(change.length);
    content.copy(grown);
    return grown;
  }
  const end = Math.max(content.length, change.position + change.bytes.length);
  let out: Buffer;
  if (spare && spare.length >= end) {
    out = spare.subarray(0, end);
    out.fill(0, content.length, Math.max(content.length, change.position));
  } else {
    out = Buffer.alloc(spare ? Math.max(end, spare.length * 2) : end);
    content.copy(out);
    out = out.subarray(0, end);
  }
  change.bytes.copy(out, change.position);
  return out;
}

function components(p: string): string[] {
  return path.posix
    .normalize(p)
    .split('/')
    .filter((c) => c.length > 0);
}

function parseFlags(flags: string | number): { create: boolean; truncate: boolean; exclusive: boolean } {
  if (typeof flags === 'number') {
    const c = fs.constants;
    return { create: (flags & c.O_CREAT) !== 0, truncate: (flags & c.O_TRUNC) !== 0, exclusive: (flags & c.O_EXCL) !== 0 };
  }
  const writeLike = flags.startsWith('w') || flags.startsWith('a');
  return { create: writeLike, truncate: flags.startsWith('w'), exclusive: flags.includes('x') };
}

function errno(code: string, syscall: string, target: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated disk, ${syscall} '${target}'`), { code, syscall, path: target });
}
