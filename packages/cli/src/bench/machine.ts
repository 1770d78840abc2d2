import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';

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
