/**
 * What can be checked of the packaging without a Docker engine: the systemd unit passes systemd-analyze, the
 * compose file parses and mounts only files that exist, the Dockerfile copies only what exists and its
 * ENTRYPOINT/CMD and HEALTHCHECK work against a real GenHook started the same way, and the shell completions parse.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { COMMANDS } from '../src/completion.js';
import { runCli } from './support/child.js';

const run = promisify(execFile);
/** dist/test/packaging.test.js → the repository root. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const at = (path: string): string => resolve(ROOT, path);

function which(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (dir !== '' && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

test('the systemd unit passes systemd-analyze verify and is hardened', async (t) => {
  const unit = await readFile(at('deploy/systemd/genhook.service'), 'utf8');
  for (const directive of ['DynamicUser=yes', 'StateDirectory=genhook', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/genhook', 'NoNewPrivileges=yes', 'ExecReload=/bin/kill -HUP $MAINPID']) {
    assert.ok(unit.split('\n').includes(directive), `the unit lacks ${directive}`);
  }
  assert.match(unit, /^ExecStart=\/usr\/bin\/node \/opt\/genhook\/dist\/src\/cli\.js serve$/m);
  const analyze = which('systemd-analyze');
  if (!analyze) {
    t.skip('systemd-analyze not found (apt-get install systemd); the unit was not verified');
    return;
  }
  // The unit names /opt/genhook and /usr/bin/node; verify this checkout with this node instead.
  const dir = await mkdtemp(join(tmpdir(), 'genhook-unit-'));
  try {
    const file = join(dir, 'genhook.service');
    await writeFile(file, unit.replaceAll('/opt/genhook', ROOT.replace(/\/$/, '')).replaceAll('/usr/bin/node', process.execPath));
    const { stdout, stderr } = await run(analyze, ['verify', file]);
    assert.equal(`${stdout}${stderr}`.trim(), '', 'systemd-analyze verify printed warnings');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

interface ComposeService {
  readonly build?: string | { context?: string; dockerfile?: string };
  readonly volumes?: readonly (string | { type?: string; source?: string; target?: string })[];
  readonly environment?: Record<string, string>;
}

test('compose.yaml parses, mounts only files that exist, and wires Prometheus and Grafana to the shipped files', async () => {
  const compose = parseYaml(await readFile(at('compose.yaml'), 'utf8')) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
  assert.deepEqual(Object.keys(compose.services).sort(), ['genhook', 'grafana', 'prometheus', 'redis']);
  const mounts = new Map<string, string>();
  for (const [name, service] of Object.entries(compose.services)) {
    for (const volume of service.volumes ?? []) {
      const [source = '', target = ''] = typeof volume === 'string' ? volume.split(':') : [volume.source ?? '', volume.target ?? ''];
      if (!source.startsWith('.') && !source.startsWith('/')) {
        assert.ok(compose.volumes && source in compose.volumes, `${name} mounts named volume "${source}" that compose.yaml does not declare`);
        continue;
      }
      assert.ok(existsSync(at(source)), `${name} mounts ${source}, which does not exist`);
      mounts.set(target, source);
    }
  }
  const build = compose.services['genhook']?.build;
  const context = typeof build === 'string' ? build : (build?.context ?? '.');
  assert.ok(existsSync(at(join(context, typeof build === 'object' ? (build.dockerfile ?? 'Dockerfile') : 'Dockerfile'))));
  assert.equal(mounts.get('/var/lib/genhook'), undefined, 'data_dir is a named volume, not a bind mount');

  // Prometheus scrapes genhook:8080 and loads the alerting rules from where compose mounts them.
  const prometheus = parseYaml(await readFile(at(mounts.get('/etc/prometheus/prometheus.yml') ?? 'missing'), 'utf8')) as {
    rule_files: string[];
    scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
  };
  for (const rules of prometheus.rule_files) assert.equal(mounts.get(rules), './dashboards/genhook-alerts.yml');
  const job = prometheus.scrape_configs.find((config) => config.job_name === 'genhook');
  assert.deepEqual(job?.static_configs.flatMap((config) => config.targets), ['genhook:8080']);

  // Grafana's dashboard provider reads the folder compose mounts the shipped dashboard into.
  const providerFolder = mounts.get('/etc/grafana/provisioning/dashboards') ?? 'missing';
  const provider = parseYaml(await readFile(at(join(providerFolder, 'genhook.yml')), 'utf8')) as { providers: { options: { path: string } }[] };
  const path = provider.providers[0]?.options.path ?? '';
  const dashboard = [...mounts].find(([target]) => target.startsWith(`${path}/`));
  assert.equal(dashboard?.[1], './dashboards/genhook-dashboard.json');
  const datasources = parseYaml(await readFile(at(join(mounts.get('/etc/grafana/provisioning/datasources') ?? 'missing', 'prometheus.yml')), 'utf8')) as {
    datasources: { type: string; url: string; isDefault?: boolean }[];
  };
  assert.deepEqual(datasources.datasources.map((source) => [source.type, source.url, source.isDefault]), [['prometheus', 'http://prometheus:9090', true]]);
});

interface Dockerfile {
  readonly stages: number;
  readonly copies: { readonly from?: string; readonly sources: readonly string[] }[];
  readonly env: Record<string, string>;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly healthcheck: readonly string[];
  readonly user: string | undefined;
  readonly volumes: readonly string[];
}

/** Enough of the Dockerfile syntax for what this file uses: continuation lines, JSON-form commands, ENV k=v. */
function parseDockerfile(text: string): Dockerfile {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const space = line.indexOf(' ');
      return { op: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
  const result = { stages: 0, copies: [] as Dockerfile['copies'][number][], env: {} as Record<string, string>, entrypoint: [] as string[], cmd: [] as string[], healthcheck: [] as string[], user: undefined as string | undefined, volumes: [] as string[] };
  for (const { op, args } of instructions) {
    if (op === 'FROM') {
      result.stages += 1;
      result.env = {};
    } else if (op === 'COPY') {
      const words = args.split(/\s+/);
      const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((word) => !word.startsWith('--'));
      result.copies.push({ ...(from ? { from } : {}), sources: paths.slice(0, -1) });
    } else if (op === 'ENV') {
      for (const match of args.matchAll(/(\w+)=(\S+)/g)) result.env[match[1] ?? ''] = match[2] ?? '';
    } else if (op === 'ENTRYPOINT') result.entrypoint = JSON.parse(args) as string[];
    else if (op === 'CMD') result.cmd = JSON.parse(args) as string[];
    else if (op === 'HEALTHCHECK') result.healthcheck = JSON.parse(args.slice(args.indexOf('CMD ') + 4)) as string[];
    else if (op === 'USER') result.user = args;
    else if (op === 'VOLUME') result.volumes = JSON.parse(args) as string[];
  }
  return result;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  return typeof address === 'object' && address ? address.port : 0;
}

test('the Dockerfile copies what exists, runs as non-root, and its command and HEALTHCHECK work on a real GenHook', async () => {
  const docker = parseDockerfile(await readFile(at('Dockerfile'), 'utf8'));
  assert.ok(docker.stages >= 2, 'multi-stage');
  const ignored = (await readFile(at('.dockerignore'), 'utf8')).split('\n').map((line) => line.trim()).filter(Boolean);
  for (const copy of docker.copies.filter((entry) => entry.from === undefined)) {
    for (const source of copy.sources) {
      assert.ok(existsSync(at(source)), `COPY ${source}: no such file in the build context`);
      assert.ok(!ignored.includes(source), `COPY ${source} is excluded by .dockerignore`);
    }
  }
  assert.ok(docker.user && docker.user !== 'root' && docker.user !== '0', 'runs as a non-root user');
  assert.deepEqual(docker.volumes, [docker.env['GENHOOK_DATA_DIR']]);

  // ENTRYPOINT + CMD, run from the repository root (the image's WORKDIR holds the same dist/ layout).
  const [program, script, ...args] = [...docker.entrypoint, ...docker.cmd];
  assert.equal(program, 'node');
  const pkg = JSON.parse(await readFile(at('package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(script, pkg.bin['genhook'], 'the image runs the package bin');
  assert.deepEqual(args, ['serve']);

  const dir = await mkdtemp(join(tmpdir(), 'genhook-docker-'));
  const port = await freePort();
  await writeFile(join(dir, 'settings.ini'), 'server_host = 127.0.0.1\n');
  await writeFile(join(dir, 'webhooks.ini'), 'acme: status::Acme $status$\n');
  const env = {
    ...process.env,
    ...docker.env,
    GENHOOK_SETTINGS: join(dir, 'settings.ini'),
    GENHOOK_WEBHOOKS: join(dir, 'webhooks.ini'),
    GENHOOK_DATA_DIR: join(dir, 'data'),
    GENHOOK_SERVER_PORT: String(port),
  };
  const child = spawn(process.execPath, [at(script ?? ''), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let output = '';
    await new Promise<void>((resolvePromise, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('GenHook listening')) resolvePromise();
      });
      child.once('exit', (code) => reject(new Error(`genhook exited with ${code}:\n${output}`)));
    });
    const [checker, ...checkArgs] = docker.healthcheck;
    assert.equal(checker, 'node');
    const healthy = await run(process.execPath, checkArgs, { env }).then(() => true, () => false);
    assert.equal(healthy, true, 'HEALTHCHECK fails against a running GenHook');
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await rm(dir, { recursive: true, force: true });
  }
  // And it reports unhealthy once nothing answers.
  const unhealthy = await run(process.execPath, docker.healthcheck.slice(1), { env: { ...process.env, GENHOOK_SERVER_PORT: String(port) } }).then(() => false, () => true);
  assert.equal(unhealthy, true, 'HEALTHCHECK passes with no GenHook running');
});

test('genhook completion prints scripts that parse, and bash and zsh complete commands, subcommands and flags', async (t) => {
  const bash = await runCli(['completion', 'bash']);
  assert.equal(bash.code, 0);
  const zsh = await runCli(['completion', 'zsh']);
  assert.equal(zsh.code, 0);
  assert.match(zsh.stdout, /^#compdef genhook/);
  const wrong = await runCli(['completion', 'fish']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /expected one of bash, zsh, got "fish"/);

  const complete = async (words: readonly string[]): Promise<string[]> => {
    const script = `${bash.stdout}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _genhook; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await run('bash', ['-c', script], { cwd: ROOT });
    return stdout.split('\n').filter(Boolean).sort();
  };
  assert.deepEqual(await complete(['genhook', 'dl']), ['dlq']);
  assert.deepEqual(await complete(['genhook', 'c']), ['check', 'completion']);
  assert.deepEqual(await complete(['genhook', 'dlq', '']), ['list', 'replay']);
  assert.deepEqual(await complete(['genhook', 'dlq', 'replay', '--a']), ['--all']);
  assert.deepEqual(await complete(['genhook', 'serve', '--settings', 'settings.i']), ['settings.ini']);
  // The completion table follows the CLI: every command and flag `genhook --help` names is in it.
  const usage = (await runCli(['--help'])).stdout;
  const commandsSection = usage.slice(usage.indexOf('Commands:'), usage.indexOf('Options:'));
  const commands = [...new Set([...commandsSection.matchAll(/^  ([a-z][a-z-]*)\b/gm)].map((match) => match[1] ?? ''))];
  assert.ok(commands.length >= 5, `commands read from --help: ${commands.join(', ')}`);
  assert.deepEqual(commands.filter((command) => !(command in COMMANDS)), [], 'commands missing from src/completion.ts');
  const known = new Set(Object.values(COMMANDS).flatMap((spec) => spec.flags));
  const flags = [...new Set([...usage.matchAll(/--[a-z][a-z-]*/g)].map((match) => match[0]))].filter((flag) => flag !== '--help' && flag !== '--version');
  assert.deepEqual(flags.filter((flag) => !known.has(flag)), [], 'flags missing from src/completion.ts');

  const zshPath = which('zsh');
  if (!zshPath) {
    t.diagnostic('zsh not installed; the zsh script was checked for its header only (apt-get install zsh to parse it)');
    return;
  }
  await run(zshPath, ['-n', '-c', zsh.stdout]);
  // Loaded the way the README says (after compinit), it registers itself for genhook; its branches are then
  // driven with compadd/_arguments/_files replaced by functions that print what zsh would be offered.
  const zshDir = await mkdtemp(join(tmpdir(), 'genhook-zsh-'));
  t.after(() => rm(zshDir, { recursive: true, force: true }));
  const zshFile = join(zshDir, '_genhook');
  await writeFile(zshFile, zsh.stdout);
  const zshComplete = async (words: readonly string[]): Promise<string> => {
    const script = [
      'autoload -Uz compinit && compinit -u -D',
      `source '${zshFile}'`,
      'print -r -- "registered: $_comps[genhook]"',
      'compadd() { [[ $1 == -- ]] && shift; print -r -- "compadd: $*" }',
      '_arguments() { [[ $1 == -s ]] && shift; print -r -- "_arguments: $*" }',
      '_files() { print -r -- "_files" }',
      `words=(${words.map((word) => `'${word}'`).join(' ')}); CURRENT=${words.length}; _genhook`,
    ].join('\n');
    const child = spawn(zshPath, ['-f', '-c', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: zshDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, `zsh failed: ${stderr}`);
    assert.equal(stderr, '', 'zsh printed errors loading the completion');
    assert.match(stdout, /^registered: _genhook$/m);
    return stdout.replace(/^registered: .*\n/m, '').trim();
  };
  assert.equal(await zshComplete(['genhook', 'dl']), 'compadd: serve check test render dlq completion help --help');
  assert.equal(await zshComplete(['genhook', 'dlq', '']), 'compadd: list replay');
  const replayFlags = await zshComplete(['genhook', 'dlq', 'replay', '--a']);
  assert.match(replayFlags, /^_arguments: .*--all/);
  assert.match(replayFlags, / '?--id\[dead-letter id\]:dead-letter id: /);
  assert.equal(await zshComplete(['genhook', 'serve', '--settings', 'set']), '_files');
});
