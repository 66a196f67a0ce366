/**
 * Signed GitHub push bodies of a chosen size, grown from the real push example in @octokit/webhooks-examples.
 * Size comes from what a real push carries: more commits (GitHub sends at most 20), then longer file lists.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** GitHub puts at most this many commits in a push payload; larger pushes only list the first 20. */
const MAX_COMMITS = 20;

export interface SignedBody {
  readonly body: Buffer;
  /** `sha256=<hex>` for `X-Hub-Signature-256`. */
  readonly signature: string;
}

type Json = Record<string, unknown>;

/** The real-world push example (a branch push with one commit), turned into an ordinary push to an existing branch. */
function readPushExample(): Json {
  const require = createRequire(join(process.cwd(), 'package.json'));
  const indexPath = require.resolve('@octokit/webhooks-examples/api.github.com/index.json');
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { name: string; examples: Json[] }[];
  const examples = index.find((entry) => entry.name === 'push')?.examples ?? [];
  const example = examples.find((e) => Array.isArray(e['commits']) && (e['commits'] as unknown[]).length > 0);
  if (example === undefined) throw new Error('@octokit/webhooks-examples has no push example with commits; reinstall dev dependencies');
  const push = structuredClone(example);
  push['created'] = false;
  push['before'] = 'a10867b14bb761a232cd80139fbd4c0d33264240';
  return push;
}

function makeCommit(template: Json, n: number, files: number): Json {
  const id = hexId(n);
  const paths = Array.from({ length: files }, (_, i) => `src/module-${n % 7}/component-${i}/file-${(n * 31 + i) % 997}.ts`);
  return {
    ...template,
    id,
    ...('tree_id' in template ? { tree_id: hexId(n + 7919) } : {}),
    message: `Fix flaky retry in deploy step #${1000 + n}`,
    timestamp: new Date(Date.UTC(2024, 4, 15, 15, n % 60, 25)).toISOString().replace('.000Z', 'Z'),
    ...('url' in template ? { url: `https://github.com/Codertocat/Hello-World/commit/${id}` } : {}),
    added: paths.slice(0, Math.ceil(files / 3)),
    removed: [],
    modified: paths.slice(Math.ceil(files / 3)),
  };
}

function hexId(n: number): string {
  let out = '';
  let x = (n + 1) * 2654435761;
  while (out.length < 40) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += x.toString(16).padStart(8, '0');
  }
  return out.slice(0, 40);
}

/** Trims the example to what a small push from a minimal repository looks like (for the 1 KB case). */
function slim(push: Json): Json {
  const repository = push['repository'] as Json;
  const owner = repository['owner'] as Json;
  return {
    ref: push['ref'], before: push['before'], after: push['after'],
    repository: {
      id: repository['id'], name: repository['name'], full_name: repository['full_name'], private: false,
      owner: { name: owner['login'], login: owner['login'], id: owner['id'] },
      html_url: repository['html_url'], default_branch: 'main',
    },
    pusher: push['pusher'],
    sender: { login: (push['sender'] as Json)['login'], id: (push['sender'] as Json)['id'], type: 'User' },
    created: false, deleted: false, forced: false, base_ref: null, compare: push['compare'],
    commits: [], head_commit: null,
  };
}

/**
 * A push body of about `targetBytes` (within a few dozen bytes above it): one commit at least, then up to 20
 * commits, then longer file lists; below the full example's size the repository and sender objects are trimmed.
 */
export function buildPushBody(targetBytes: number): Buffer {
  const example = readPushExample();
  // The real example (its repository object alone is ~5 KB) is the 7 KB case; smaller targets get a trimmed one.
  const isSlim = JSON.stringify(example).length > targetBytes * 1.1;
  const push: Json = isSlim ? slim(example) : example;
  const template = isSlim ? { distinct: true, author: { name: 'Codertocat' } } : ((example['commits'] as Json[])[0] ?? {});
  const commits: Json[] = [];
  const render = () => {
    push['commits'] = commits;
    push['head_commit'] = commits.at(-1) ?? null;
    return JSON.stringify(push);
  };
  let files = 1;
  commits.push(makeCommit(template, 0, files));
  // head_commit repeats the last commit, so a commit costs about twice its size only once.
  while (commits.length < MAX_COMMITS && render().length < targetBytes) commits.push(makeCommit(template, commits.length, files));
  while (render().length < targetBytes && files < 2000) {
    files++;
    for (let i = 0; i < commits.length && render().length < targetBytes; i++) commits[i] = makeCommit(template, i, files);
  }
  return Buffer.from(render());
}

export function signGithub(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The headers GitHub sends with a push, signed for `payload`; `delivery` is the X-GitHub-Delivery id. */
export function githubPushHeaders(payload: SignedBody, delivery?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/bench',
    'x-github-event': 'push',
    'x-github-hook-id': '123456',
    ...(delivery === undefined ? {} : { 'x-github-delivery': delivery }),
    'x-hub-signature-256': payload.signature,
  };
}

export function buildSignedPush(secret: string, targetBytes: number): SignedBody {
  const body = buildPushBody(targetBytes);
  return { body, signature: signGithub(secret, body) };
}
