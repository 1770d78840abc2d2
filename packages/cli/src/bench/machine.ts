import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';

/** The machine and software a result was measured on. */
export interface MachineInfo {
  readonly node: string;
  readonly v8: string;
  readonly cpuModel: string;
  readonly cpuCores: number;
  readonly memoryBytes: number;
  readonly kernel: string;
  readonly platform: string;
  /** Versions of the peer tools found on PATH (null when absent). */
  readonly tools: Readonly<Record<string, string | null>>;
}

/** Node, V8, CPU, memory and kernel, plus `--version` lines of kcat, redis-server, nats-server and fio. */
export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpuCores: cpu.length,
    memoryBytes: totalmem(),
    kernel: release(),
    platform: `${process.platform}-${process.arch}`,
    tools: {
      kcat: toolVersion('kcat', ['-V'], /Version ([\w.\-]+)/),
      librdkafka: toolVersion('kcat', ['-V'], /librdkafka ([\w.\-]+)/),
      'redis-server': toolVersion('redis-server', ['--version'], /v=([\w.]+)/),
      'nats-server': toolVersion('nats-server', ['--version'], /v?(\d+\.\d+\.\d+)/),
      fio: toolVersion('fio', ['--version'], /fio-([\w.]+)/),
    },
  };
}

function toolVersion(command: string, args: string[], pattern: RegExp): string | null {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    return pattern.exec(out)?.[1] ?? out.split('\n')[0]!.trim();
  } catch {
    return null;
  }
}

/** Load and time at one moment of a benchmark run. */
export interface LoadSnapshot {
  /** ISO time of the reading. */
  readonly at: string;
  /** os.loadavg(): runnable (and uninterruptible) tasks averaged over 1, 5 and 15 minutes. */
  readonly loadAverage: readonly [number, number, number];
}

/** Where the brokers of a benchmark keep their data, and what else ran on the machine. */
export interface BenchEnvironment {
  /** The directory under which the benchmark's brokers create their data directories. */
  readonly dataDir: string;
  /** File system type of `dataDir` from /proc/mounts (e.g. ext4, xfs, tmpfs); null when unknown. */
  readonly fileSystem: string | null;
  /** True when `dataDir` lives in memory (tmpfs, ramfs): fdatasync costs nothing there, so disk figures are not disk figures. */
  readonly memoryBacked: boolean;
  readonly start: LoadSnapshot;
  /** Taken when the run ends; null until then. */
  readonly end: LoadSnapshot | null;
}

/** File system types whose data lives in memory. */
const MEMORY_FILE_SYSTEMS = new Set(['tmpfs', 'ramfs']);

/** The load average now (see LoadSnapshot). */
export function loadSnapshot(): LoadSnapshot {
  const [one, five, fifteen] = loadavg();
  return { at: new Date().toISOString(), loadAverage: [one ?? 0, five ?? 0, fifteen ?? 0] };
}

/**
 * The file system type of the mount holding `path`, from the text of /proc/mounts (the longest
 * mount point that is `path` or one of its parents); null when none matches.
 */
export function fileSystemOf(path: string, mountsText: string): string | null {
  let best: { mountPoint: string; type: string } | null = null;
  for (const line of mountsText.split('\n')) {
    const [, rawMountPoint, type] = line.split(' ');
    if (rawMountPoint === undefined || type === undefined) continue;
    // /proc/mounts writes spaces and other odd characters as octal escapes.
    const mountPoint = rawMountPoint.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const inside = mountPoint === '/' || path === mountPoint || path.startsWith(`${mountPoint}/`);
    if (inside && (best === null || mountPoint.length >= best.mountPoint.length)) best = { mountPoint, type };
  }
  return best?.type ?? null;
}

/** The environment at the start of a run whose brokers keep data under `dataDir` (default os.tmpdir(), as spawnBroker's). */
export function benchEnvironment(dataDir: string = tmpdir()): BenchEnvironment {
  let mounts = '';
  try {
    mounts = readFileSync('/proc/mounts', 'utf8');
  } catch {
    // Not Linux: the file system stays unknown.
  }
  const resolved = realpathOrSelf(dataDir);
  const fileSystem = fileSystemOf(resolved, mounts);
  return { dataDir: resolved, fileSystem, memoryBacked: fileSystem !== null && MEMORY_FILE_SYSTEMS.has(fileSystem), start: loadSnapshot(), end: null };
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
