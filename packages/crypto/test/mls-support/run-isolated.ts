// Runs one of hazard-scenarios.ts in a child Node process (with tsx, from the repository
// root) and reports what it printed, or that it was killed after `timeoutMs` or died.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCENARIOS = fileURLToPath(new URL('./hazard-scenarios.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface IsolatedRun {
  /** The scenario's JSON line, if it printed one. */
  result: { outcome: 'refused' | 'accepted' | 'threw'; code?: string; name?: string; message?: string } | undefined;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stderrTail: string;
}

export function runScenario(name: string, timeoutMs: number): Promise<IsolatedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=candor-source', '--import', 'tsx', SCENARIOS, name], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      let result: IsolatedRun['result'];
      try {
        result = line ? (JSON.parse(line) as IsolatedRun['result']) : undefined;
      } catch {
        result = undefined;
      }
      resolve({ result, exitCode, signal, timedOut, stderrTail: stderr.slice(-600) });
    });
  });
}
