import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractFields } from '../src/extract/index.js';
import { renderMessage } from '../src/render/index.js';
import { formatIssue, parseWebhooksFile } from '../src/rules/index.js';

const lookups = new Map([['devices', new Map([['Q2XX-1', '/api/device/12'], ['Q2XX-2', '/api/device/13']])]]);

function render(line: string, payload: unknown, envelope?: unknown): { message: string; missing: string[]; warnings: string[] } {
  const { rules, issues } = parseWebhooksFile(line, 'w.ini', { lookups });
  assert.deepEqual(issues.map(formatIssue), []);
  const rule = rules[0];
  assert.ok(rule);
  return renderMessage(rule.template, extractFields(payload, rule.fields), { missingValue: '-' }, envelope ?? payload);
}

function issuesOf(line: string): string[] {
  return parseWebhooksFile(line, 'w.ini', { lookups }).issues.map(formatIssue);
}

const cases: readonly { name: string; line: string; payload: unknown; message: string; missing?: string[] }[] = [
  { name: 'default on missing, null, empty; not on 0 or false', line: 't: a,b,c,z,f::$a|default:x$ $b|default:x$ $c|default:x$ $z|default:x$ $f|default:x$', payload: { b: null, c: '', z: 0, f: false }, message: 'x x x 0 false' },
  { name: 'default with a quoted text holding : | $ and escapes', line: 't: a::$a|default:"n/a: \\"none\\" | $5 \\\\"$', payload: {}, message: 'n/a: "none" | $5 \\' },
  { name: 'default: with nothing after it gives empty text and no hole', line: 't: a::[$a|default:$]', payload: {}, message: '[]' },
  { name: 'upper, lower, trim', line: 't: a,b,c::$a|upper$ $b|lower$ [$c|trim$]', payload: { a: 'Firing', b: 'CRIT', c: '  x y \n' }, message: 'FIRING crit [x y]' },
  { name: 'upper on a list maps each item', line: 't: alerts{status}::$alerts.status|upper$', payload: { alerts: [{ status: 'firing' }, { status: 'resolved' }] }, message: 'FIRING, RESOLVED' },
  { name: 'numbers count as text for text filters', line: 't: n::$n|upper$', payload: { n: 42 }, message: '42' },
  { name: 'trunc: the N-th character becomes …', line: 't: a,b,c::$a|trunc:5$ $b|trunc:5$ $c|trunc:1$', payload: { a: 'abcdefghij', b: 'abcde', c: 'xy' }, message: 'abcd… abcde …' },
  { name: 'trunc counts characters, not UTF-16 units', line: 't: a::$a|trunc:3$', payload: { a: '🚨🚨🚨🚨' }, message: '🚨🚨…' },
  { name: 'map with fallback', line: 't: a,b::$a|map:firing=CRITICAL,resolved=OK,*=UNKNOWN$ $b|map:firing=CRITICAL,resolved=OK,*=UNKNOWN$', payload: { a: 'resolved', b: 'pending' }, message: 'OK UNKNOWN' },
  { name: 'map without fallback passes an unmatched value through', line: 't: a::$a|map:1=one,2=two$', payload: { a: 3 }, message: '3' },
  { name: 'map on numbers matches their text', line: 't: a::$a|map:1=one,2=two$', payload: { a: 2 }, message: 'two' },
  { name: 'lookup then default', line: 't: s,u::$s|lookup:devices|default:"/api/organization/0"$ $u|lookup:devices|default:"/api/organization/0"$', payload: { s: 'Q2XX-2', u: 'nope' }, message: '/api/device/13 /api/organization/0' },
  { name: 'join, first, last, count', line: 't: l,c{m}::$l|join$ / $l|join:" - "$ / $l|first$ / $l|last$ / $l|count$ / $c.m|count$ / $c.m|last$', payload: { l: ['a', 'b', 'c'], c: [{ m: 'x' }] }, message: 'a, b, c / a - b - c / a / c / 3 / 1 / x' },
  { name: 'count of an empty list is 0', line: 't: l,c{m}::$l|count$ $c.m|count$', payload: { l: [], c: [] }, message: '0 0' },
  { name: 'json', line: 't: o,s,l{a}::$o|json$ $s|json$ $l.a|json$', payload: { o: { a: [1, true] }, s: 'q"', l: [{ a: 1 }, { a: 2 }] }, message: '{"a":[1,true]} "q\\"" [1,2]' },
  { name: 'date from ISO, epoch seconds, epoch ms and numeric text; UTC by default', line: 't: a,b,c,d::$a|date:"%Y-%m-%d %H:%M:%S %z"$ $b|date:%s$ $c|date:%H%M$ $d|date:%Y$', payload: { a: '2024-03-10T22:15:30.123+01:00', b: 1710105330, c: 1710105330123, d: '1710105330' }, message: '2024-03-10 21:15:30 +0000 1710105330 2115 2024' },
  { name: 'date in a zone, with %Z and %%', line: 't: a::$a|date:"%d/%m %H:%M %z %Z 100%%":Europe/Paris$', payload: { a: '2024-07-01T12:00:00Z' }, message: '01/07 14:00 +0200 GMT+2 100%' },
  { name: 'date: ISO without an offset is UTC; a date alone is midnight UTC', line: 't: a,b::$a|date:%s$ $b|date:%s$', payload: { a: '2024-01-01T00:00:00', b: '2024-01-01' }, message: '1704067200 1704067200' },
  { name: 'date: year 1 (Alertmanager\'s "no end") and before 1970', line: 't: a,b::$a|date:"%Y-%m-%d %H:%M %z"$ $b|date:"%Y-%m-%d %s"$', payload: { a: '0001-01-01T00:00:00Z', b: -86400 }, message: '0001-01-01 00:00 +0000 1969-12-31 -86400' },
  { name: 'filters chain left to right', line: 't: a::$a|trim|upper|trunc:4|default:none$', payload: { a: '  firing  ' }, message: 'FIR…' },
  { name: 'default after a filter that found nothing', line: 't: l::$l|first|default:none$', payload: { l: [] }, message: 'none' },
  { name: 'spaces around | are allowed', line: 't: a::$a | upper | default:x$', payload: { a: 'b' }, message: 'B' },
  { name: 'a missing value passes through filters and is a hole', line: 't: a::$a|upper|trunc:3$', payload: {}, message: '-', missing: ['a'] },
];

for (const c of cases) {
  test(`filters - ${c.name}`, () => {
    const result = render(c.line, c.payload);
    assert.deepEqual({ message: result.message, missing: result.missing }, { message: c.message, missing: c.missing ?? [] });
    assert.deepEqual(result.warnings, []);
  });
}

test('filters - a value a filter cannot use passes through with a warning, never a throw', () => {
  const result = render('t: a,o,g::$a|count$ $o|upper$ $g|date:%Y$ $a|join$ $a|first$', { a: 'text', o: { x: 1 }, g: 'garbage' });
  assert.equal(result.message, 'text {"x":1} garbage text text');
  assert.equal(result.warnings.length, 5);
  assert.match(result.warnings[0] ?? '', /^\$a\|count\$: count needs a list, not text "text"$/);
  assert.match(result.warnings[2] ?? '', /date cannot use text "garbage"/);
});

test('filters - the envelope: $^path$ reads the whole body, not the item, and needs no field', () => {
  const body = { status: 'firing', commonLabels: { alertname: 'HighCPU' }, alerts: [{ labels: { instance: 'db1' } }] };
  const result = render('am: labels{instance}::$^commonLabels.alertname|upper$ on $labels.instance$ ($^status$, $^alerts|count$ alerts)', body.alerts[0], body);
  assert.equal(result.message, 'HIGHCPU on db1 (firing, 1 alerts)');
});

test('filters - the seed forms are unchanged: $a.b$, $a[0].b$, $$', () => {
  assert.equal(render('t: a{b},c{d}::$$$a.b$ $c[1].d$ $$', { a: { b: 5 }, c: [{ d: 1 }, { d: 2 }] }).message, '$5 2 $');
});

test('filters - unknown filters and bad arguments are config errors at line and column, listing the filters', () => {
  const [unknown] = issuesOf('t: a::x $a|uper$');
  assert.match(unknown ?? '', /^w\.ini:1:12: unknown filter "uper"; filters: default:TEXT, upper, lower, trim, trunc:N, map:k1=v1,k2=v2,\*=other, lookup:NAME, join:SEP, first, last, count, json, date:FORMAT\[:ZONE\]$/);
  assert.deepEqual(issuesOf('t: a::$a|trunc:0$ $a|trunc:x$ $a|upper:1$ $a|default$'), [
    'w.ini:1:10: filter trunc:0: trunc needs a whole number of characters above 0, not "0"',
    'w.ini:1:22: filter trunc:x: trunc needs a whole number of characters above 0, not "x"',
    'w.ini:1:34: filter upper takes no argument (upper), got 1',
    'w.ini:1:46: filter default takes 1 argument (default:TEXT), got 0',
  ]);
  assert.match(issuesOf('t: a::$a|date:%Q$')[0] ?? '', /1:10: filter date:%Q: unknown date specifier "%Q" in "%Q"; supported: %Y %m %d %H %M %S %z %Z %s %%/);
  assert.match(issuesOf('t: a::$a|date:%Y:Mars/Base$')[0] ?? '', /unknown time zone "Mars\/Base"/);
  assert.match(issuesOf('t: a::$a|map:x$')[0] ?? '', /map entry "x" has no '='/);
  assert.match(issuesOf('t: a::$a|lookup:sites$')[0] ?? '', /no lookup table "sites"; name its file in settings.ini as lookup_sites = FILE.csv \(defined: devices\)/);
  assert.match(issuesOf('t: a::$a|default:"open$ tail')[0] ?? '', /unterminated/);
  assert.match(issuesOf('t: a::$a|default:"x"y$')[0] ?? '', /1:21: unexpected 'y' after a quoted filter argument/);
  assert.match(issuesOf('t: a::$a|$')[0] ?? '', /1:10: empty filter after '\|'/);
});

test('filters - compiled at load: the tokens are frozen and carry apply functions', () => {
  const { rules } = parseWebhooksFile('t: a::$a|upper|trunc:3$', 'w.ini');
  const token = rules[0]?.template[0];
  assert.ok(token && token.kind === 'var' && token.filters?.length === 2);
  assert.ok(Object.isFrozen(token) && Object.isFrozen(token.filters) && typeof token.filters[0]?.apply === 'function');
});

test('once per interval - the first at once, the rest held back for the interval, then one with the count held back', async () => {
  const { oncePerInterval } = await import('../src/ops/once-per-interval.js');
  const limiter = oncePerInterval(60_000);
  assert.deepEqual(limiter.take('github.push', 0), { suppressed: 0 });
  assert.equal(limiter.take('github.push', 1000), undefined);
  assert.equal(limiter.take('github.push', 59_999), undefined);
  assert.deepEqual(limiter.take('stripe', 59_999), { suppressed: 0 }, 'per line');
  assert.deepEqual(limiter.take('github.push', 60_000), { suppressed: 2 });
  assert.equal(limiter.take('github.push', 60_001), undefined);
});
