import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs src/main.ts as an operator would (ts-node instead of a build) and collects what it prints. */
function runMain(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
      {
        cwd: join(__dirname, '..', '..'),
        env: { PATH: process.env.PATH ?? '', ...env },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('Start-up with a bad configuration', () => {
  it('stops with exit code 1 and a message naming the variable', async () => {
    const result = await runMain({ PORT: 'not-a-port', REDIS_URL: 'ftp://cache' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stderr).toContain(
      'PORT must be a whole number from 1 to 65535 (got "not-a-port")',
    );
    expect(result.stderr).toContain('REDIS_URL must use redis or rediss');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace for a configuration error
  }, 30_000);
});

describe('How the API process is started', () => {
  const root = join(__dirname, '..', '..');

  it('runs Node.js with the same flags from every start command and the container image', () => {
    const scripts = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const dockerCmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    const flagsOf = (command: string) => command.split(' ').filter((word) => word.startsWith('--'));
    const commands = {
      start: scripts.start?.split(' && ').at(-1) ?? '',
      'start:prod': scripts['start:prod'] ?? '',
      'start:worker': scripts['start:worker']?.split(' && ').at(-1) ?? '',
      Dockerfile: (JSON.parse(dockerCmd ?? '[]') as string[]).join(' '),
    };
    // A larger young generation: the allocation-heavy paths (decisions,
    // list pages) spent a tenth of their time in scavenges (ADR 0011).
    for (const [where, command] of Object.entries(commands)) {
      expect({ where, flags: flagsOf(command) }).toEqual({
        where,
        flags: ['--max-semi-space-size=64'],
      });
    }
  });
});
