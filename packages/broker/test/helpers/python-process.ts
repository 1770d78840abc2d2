import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { collectProcess } from '../../../../test-support/run-process.js';

/** Debian's interpreter: python3-kafka and python3-confluent-kafka install their modules for it, not for a pyenv one. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** The directory of the python client scripts the interop tests run (test/integration/python). */
export const PYTHON_SCRIPTS_DIR = fileURLToPath(new URL('../integration/python/', import.meta.url));

/**
 * Fails loudly when /usr/bin/python3 or one of `modules` (import names, e.g. 'kafka',
 * 'confluent_kafka') is missing: a test that needs a tool must not pass without it.
 * scripts/install-test-tools.sh installs them (python3-kafka, python3-confluent-kafka).
 */
export function requirePythonModules(modules: readonly string[]): void {
  for (const module of modules) {
    try {
      execFileSync(SYSTEM_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 20_000 });
    } catch {
      throw new Error(`${SYSTEM_PYTHON} cannot import ${module}: run \`bash scripts/install-test-tools.sh\` (python3-kafka, python3-confluent-kafka)`);
    }
  }
}

/**
 * Runs `script` (a file in {@link PYTHON_SCRIPTS_DIR}) with `args` and parses the one JSON object
 * it prints last on stdout. Throws with the script's stderr when it exits non-zero, prints no
 * JSON, or runs past `timeoutMs` (default 60 s; killed then).
 */
export async function runPythonJson<T = Record<string, unknown>>(script: string, args: readonly string[], timeoutMs = 60_000): Promise<T> {
  const child = spawn(SYSTEM_PYTHON, [PYTHON_SCRIPTS_DIR + script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], cwd: PYTHON_SCRIPTS_DIR });
  const { code, stdout, stderr } = await collectProcess(child, { timeoutMs });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`${script} ${args.join(' ')} exited ${code}:\n${stderr}\n${stdout}`);
  return JSON.parse(last) as T;
}
