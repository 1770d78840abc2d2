// Helpers shared by the peer and limit benchmarks: temp dirs, child processes with a ready
// line, free ports, timing. Every process started here is stopped by the caller's `stop()`.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under os.tmpdir() and a function that removes it. */
export async function tempDir(prefix) {
  const dir = await mkdtemp(join(tmpdir(), `sluice-bench-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A free TCP port on 127.0.0.1 (bound and released; a race with other processes is possible but unlikely). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `command args` and resolves once a line of stdout or stderr matches `readyPattern`
 * (rejects on exit or after `timeoutMs`). Returns { child, pid, stop } where stop() sends
 * SIGTERM (SIGKILL after 10 s) and resolves on exit. `env` replaces the child's environment.
 */
export function startProcess(command, args, readyPattern, timeoutMs = 20_000, { env = process.env } = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${command} not ready after ${timeoutMs} ms: ${output.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk) => {
      output = (output + chunk).slice(-16384);
      if (readyPattern.test(output)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve({ child, pid: child.pid, stop, output: () => output });
      }
    };
    const onExit = (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}: ${output.slice(-2000)}`));
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * Runs `command args` to completion; resolves { code, stdout, stderr, wallMs }. Sends it
 * `killSignal` after timeoutMs (ms): SIGTERM for a child that cleans up processes of its own.
 * `onStderr` sees each chunk of its stderr as it arrives (the last 16 KB are kept either way).
 */
export function runProcess(command, args, { timeoutMs = 120_000, stdout = 'pipe', killSignal = 'SIGKILL', onStderr = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', stdout, 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (c) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c) => {
      err = (err + c).slice(-16384);
      onStderr(c);
    });
    const timer = setTimeout(() => child.kill(killSignal), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out, stderr: err, wallMs: performance.now() - startedAt });
    });
  });
}

/** True when `command` is on PATH. */
export async function hasCommand(command) {
  const r = await runProcess('sh', ['-c', `command -v ${command}`]).catch(() => ({ code: 1 }));
  return r.code === 0;
}

/** A result row for a peer that could not run. */
export function skipped(name, reason) {
  return { name, skipped: true, reason };
}

export const round = (v, digits = 0) => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits);
