import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIssue, parseWebhooksFile, RuleSet } from '../src/rules/index.js';

function buildSet(lines: readonly string[]): RuleSet {
  const { rules, issues } = parseWebhooksFile(lines.join('\n'), 'w.ini');
  assert.deepEqual(issues.map(formatIssue), []);
  return new RuleSet(rules);
}

const set = buildSet([
  'github: action::generic',
  'github.pull_request: action::pr',
  'github.pull_request.opened: action::pr opened',
  'GitHub.Push: ref::push',
  'azure.Microsoft.Storage: id::storage',
  'aws.EC2 Instance State-change Notification: id::ec2',
  'shopify.orders/create: id::order',
  'stripe.charge: id::charge',
]);

const lookups: readonly [source: string, event: string | undefined, expected: string | undefined][] = [
  ['github', 'pull_request.opened', 'github.pull_request.opened'],
  ['github', 'pull_request.closed', 'github.pull_request'],
  ['github', 'pull_request', 'github.pull_request'],
  ['github', 'issues.opened', 'github'],
  ['github', undefined, 'github'],
  ['github', '', 'github'],
  ['GITHUB', 'PUSH', 'GitHub.Push'],
  ['github', 'push', 'GitHub.Push'],
  ['azure', 'Microsoft.Storage.BlobCreated', 'azure.Microsoft.Storage'],
  ['azure', 'Microsoft.Resources.ResourceWriteSuccess', undefined],
  ['aws', 'EC2 Instance State-change Notification', 'aws.EC2 Instance State-change Notification'],
  ['shopify', 'orders/create', 'shopify.orders/create'],
  ['shopify', 'orders/paid', undefined],
  ['stripe', 'charge.dispute.created', 'stripe.charge'],
  ['stripe', 'chargeX', undefined],
  ['nobody', 'push', undefined],
];

for (const [source, event, expected] of lookups) {
  test(`RuleSet.lookup() - ${source} / ${String(event)} → ${String(expected)}`, () => {
    assert.equal(set.lookup(source, event)?.name, expected);
  });
}

test('RuleSet - sources(), hasSource(), rules, summaries', () => {
  assert.deepEqual(set.sources(), ['aws', 'azure', 'github', 'shopify', 'stripe']);
  assert.equal(set.hasSource('GitHub'), true);
  assert.equal(set.hasSource('jira'), false);
  assert.equal(set.rules.length, 8);
  assert.ok(Object.isFrozen(set.rules));
  assert.deepEqual(summaryLines(set), [
    'aws: 1 line (aws.EC2 Instance State-change Notification)',
    'azure: 1 line (azure.Microsoft.Storage)',
    'github: 4 lines (github, github.pull_request, github.pull_request.opened, GitHub.Push)',
    'shopify: 1 line (shopify.orders/create)',
    'stripe: 1 line (stripe.charge)',
  ]);
});

test('RuleSet.match() - first line of the most specific name whose conditions hold; no fallback past a filtered name', () => {
  const conditional = buildSet([
    'github: action::generic',
    'github.push[deleted=true]: ref::deleted',
    'github.push: ref::push',
    'github.pull_request[action=opened|closed]: action::pr',
    'github.pull_request[action=reopened]: action::pr reopened',
  ]);
  const name = (result: ReturnType<RuleSet['match']>): string =>
    result.kind === 'matched' ? `${result.rule.name}:${result.rule.line}` : result.kind;
  assert.equal(name(conditional.match('github', 'push', { deleted: true })), 'github.push:2');
  assert.equal(name(conditional.match('github', 'push', { deleted: false })), 'github.push:3');
  assert.equal(name(conditional.match('github', 'pull_request.closed', { action: 'closed' })), 'github.pull_request:4');
  assert.equal(name(conditional.match('github', 'pull_request.reopened', { action: 'reopened' })), 'github.pull_request:5');
  const filtered = conditional.match('github', 'pull_request.edited', { action: 'edited' });
  assert.equal(filtered.kind, 'filtered');
  if (filtered.kind === 'filtered') {
    assert.equal(filtered.rule.line, 4);
    assert.equal(
      filtered.reason,
      'condition action=opened|closed not met (action is "edited"); condition action=reopened not met (action is "edited")',
    );
  }
  assert.equal(name(conditional.match('github', 'issues.opened', {})), 'github:1');
  assert.equal(conditional.match('jira', 'issue_created', {}).kind, 'none');
  assert.deepEqual(summaryLines(conditional), [
    'github: 5 lines (github, github.push[deleted=true], github.push, github.pull_request[action=opened|closed], github.pull_request[action=reopened])',
  ]);
});

test('RuleSet.lookup() - cost does not grow with the number of lines (one Map read per step)', () => {
  const lines = ['github: a::x'];
  for (let i = 0; i < 1000; i++) lines.push(`github.event${i}: a::x`);
  const big = buildSet(lines);
  // Counting Map reads instead of timing: a 1000-line set answers in as many steps as a 3-line one.
  const reads = (ruleSet: RuleSet): number => {
    let count = 0;
    const original = Map.prototype.get;
    Map.prototype.get = function countingGet(this: Map<unknown, unknown>, key: unknown) {
      count++;
      return original.call(this, key);
    };
    try {
      ruleSet.lookup('github', 'a.b.c');
    } finally {
      Map.prototype.get = original;
    }
    return count;
  };
  const small = buildSet(['github: a::x', 'github.push: a::x']);
  assert.equal(reads(big), reads(small));
  assert.equal(reads(big), 4);
  assert.equal(big.lookup('github', 'event999')?.name, 'github.event999');
});

/** One line per source, the way `genhook check` prints them. */
function summaryLines(set: RuleSet): string[] {
  return set.summarize().map(({ source, count, names }) => `${source}: ${count} ${count === 1 ? 'line' : 'lines'} (${names.join(', ')})`);
}
