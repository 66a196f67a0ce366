import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIssue, parseWebhooksFile, type FieldNode, type Rule, type TemplateToken } from '../src/rules/index.js';

/** Compact view of a field tree: `a,b{c,d{e}}`. */
function showFields(nodes: readonly FieldNode[]): string {
  return nodes.map((node) => (node.children.length === 0 ? node.name : `${node.name}{${showFields(node.children)}}`)).join(',');
}

/** Compact view of template tokens: text as is, variables as `<path|segments>`. */
function showTemplate(tokens: readonly TemplateToken[]): string {
  return tokens.map((token) => (token.kind === 'text' ? token.text : `<${token.path.join('|')}>`)).join('');
}

function parseOne(line: string): Rule {
  const { rules, issues } = parseWebhooksFile(line, 'webhooks.ini');
  assert.deepEqual(issues.map(formatIssue), [], line);
  assert.equal(rules.length, 1, line);
  const rule = rules[0];
  assert.ok(rule);
  return rule;
}

const validCases: readonly {
  name: string;
  line: string;
  ruleName: string;
  source: string;
  event: string | undefined;
  fields: string;
  template: string;
}[] = [
  {
    name: 'seed github line',
    line: 'github: action,pull_request{title,user{login}},repository{name}::GitHub $action$ on $repository.name$: "$pull_request.title$" by $pull_request.user.login$',
    ruleName: 'github', source: 'github', event: undefined,
    fields: 'action,pull_request{title,user{login}},repository{name}',
    template: 'GitHub <action> on <repository|name>: "<pull_request|title>" by <pull_request|user|login>',
  },
  {
    name: 'seed aws line (dashes in keys)',
    line: 'aws: detail-type,source,region,detail{instance-id,state}::AWS $detail-type$ from $source$ in $region$: Instance $detail.instance-id$ state: $detail.state$',
    ruleName: 'aws', source: 'aws', event: undefined,
    fields: 'detail-type,source,region,detail{instance-id,state}',
    template: 'AWS <detail-type> from <source> in <region>: Instance <detail|instance-id> state: <detail|state>',
  },
  {
    name: 'angle brackets and mixed nesting',
    line: 'github.pull_request: action,pull_request<title,user{login}>,repository<name>::$pull_request.user.login$ $repository.name$',
    ruleName: 'github.pull_request', source: 'github', event: 'pull_request',
    fields: 'action,pull_request{title,user{login}},repository{name}',
    template: '<pull_request|user|login> <repository|name>',
  },
  {
    name: 'deep nesting, several subfields per level, whitespace ignored',
    line: '  stripe.invoice.payment_failed :  type , data { object { id , lines { data { amount , price { id } } } } } ::x $data.object.lines.data.price.id$',
    ruleName: 'stripe.invoice.payment_failed', source: 'stripe', event: 'invoice.payment_failed',
    fields: 'type,data{object{id,lines{data{amount,price{id}}}}}',
    template: 'x <data|object|lines|data|price|id>',
  },
  {
    name: '= form, event with a slash',
    line: 'Shopify.Orders/Create = name,total_price::Order $name$ = $total_price$',
    ruleName: 'Shopify.Orders/Create', source: 'shopify', event: 'orders/create',
    fields: 'name,total_price',
    template: 'Order <name> = <total_price>',
  },
  {
    name: 'event name with inner spaces',
    line: 'aws.EC2 Instance State-change Notification: detail{instance-id}::EC2 $detail.instance-id$',
    ruleName: 'aws.EC2 Instance State-change Notification', source: 'aws', event: 'ec2 instance state-change notification',
    fields: 'detail{instance-id}',
    template: 'EC2 <detail|instance-id>',
  },
  {
    name: 'template keeps : = ; # % quotes and unicode verbatim, only trailing space trimmed',
    line: 'slack: event{text}::  a:b=c ; d # e 100% \'q\' "dq" — ünïcødé 🚨 $event.text$ :: end   \r',
    ruleName: 'slack', source: 'slack', event: undefined,
    fields: 'event{text}',
    template: '  a:b=c ; d # e 100% \'q\' "dq" — ünïcødé 🚨 <event|text> :: end',
  },
  {
    name: '$$ is a literal dollar',
    line: 'stripe: amount::Paid $$$amount$ ($$ USD$$)',
    ruleName: 'stripe', source: 'stripe', event: undefined,
    fields: 'amount',
    template: 'Paid $<amount> ($ USD$)',
  },
  {
    name: 'array indices anywhere in a path',
    line: 'github.push: commits{message,author{name}},x::$commits[0].message$ $commits[12].author.name$ $x[0][1]$',
    ruleName: 'github.push', source: 'github', event: 'push',
    fields: 'commits{message,author{name}},x',
    template: '<commits|0|message> <commits|12|author|name> <x|0|1>',
  },
  {
    name: 'a variable may name an object, or go below a leaf field',
    line: 'github: pull_request{title},repository::$pull_request$ $repository.owner.login$',
    ruleName: 'github', source: 'github', event: undefined,
    fields: 'pull_request{title},repository',
    template: '<pull_request> <repository|owner|login>',
  },
  {
    name: 'JSON-in-string field with children',
    line: 'aws.sns.cloudwatch_alarm: Message{AlarmName,Trigger{MetricName}},Subject::$Message.AlarmName$ $Message.Trigger.MetricName$',
    ruleName: 'aws.sns.cloudwatch_alarm', source: 'aws', event: 'sns.cloudwatch_alarm',
    fields: 'Message{AlarmName,Trigger{MetricName}},Subject',
    template: '<Message|AlarmName> <Message|Trigger|MetricName>',
  },
  {
    name: 'empty field list with a constant template',
    line: 'github.ping: ::GitHub ping',
    ruleName: 'github.ping', source: 'github', event: 'ping',
    fields: '',
    template: 'GitHub ping',
  },
];

for (const c of validCases) {
  test(`parseWebhooksFile() - valid: ${c.name}`, () => {
    const rule = parseOne(c.line);
    assert.equal(rule.name, c.ruleName);
    assert.equal(rule.source, c.source);
    assert.equal(rule.event, c.event);
    assert.equal(showFields(rule.fields), c.fields);
    assert.equal(showTemplate(rule.template), c.template);
    assert.equal(rule.line, 1);
    assert.equal(rule.file, 'webhooks.ini');
    assert.ok(Object.isFrozen(rule) && Object.isFrozen(rule.fields) && Object.isFrozen(rule.template));
  });
}

test('parseWebhooksFile() - comments, blanks and [section] headers are skipped; line numbers stay true', () => {
  const text = [
    '; comment with a: colon::and $var$',
    '   # another comment',
    '',
    '[webhooks]',
    '  [other section]  ',
    'github: action::GitHub $action$',
    '\t',
    'stripe: type::Stripe $type$',
  ].join('\r\n');
  const { rules, issues } = parseWebhooksFile(text, 'w.ini');
  assert.deepEqual(issues, []);
  assert.deepEqual(rules.map((rule) => [rule.name, rule.line, rule.templateText]), [
    ['github', 6, 'GitHub $action$'],
    ['stripe', 8, 'Stripe $type$'],
  ]);
});

test('parseWebhooksFile() - keeps fieldsText and templateText as written', () => {
  const rule = parseOne('github:  a , b{c} ::Hi $$ $a$ ');
  assert.equal(rule.fieldsText, 'a , b{c}');
  assert.equal(rule.templateText, 'Hi $$ $a$');
  const variable = rule.template.find((token) => token.kind === 'var');
  assert.deepEqual(variable, { kind: 'var', path: ['a'], raw: 'a' });
});

test('parseWebhooksFile() - conditions are parsed after the name and kept out of it', () => {
  const rule = parseOne('github.pull_request[action=opened|closed, pull_request.changed_files>=10]: action::PR $action$');
  assert.equal(rule.name, 'github.pull_request');
  assert.equal(rule.event, 'pull_request');
  assert.deepEqual(rule.conditions.map((condition) => [condition.pathText, condition.operator, condition.values]), [
    ['action', '=', ['opened', 'closed']],
    ['pull_request.changed_files', '>=', ['10']],
  ]);
});

const errorCases: readonly { name: string; line: string; column: number; message: RegExp }[] = [
  { name: 'missing :: (shows the expected form)', line: 'github: action,pull_request{title}', column: 8, message: /missing '::'.*expected NAME: FIELDS::TEMPLATE/ },
  { name: 'no separator at all', line: 'just some words', column: 1, message: /missing ':' or '='.*NAME: FIELDS::TEMPLATE/ },
  { name: 'missing name', line: ': action::x', column: 1, message: /missing name/ },
  { name: 'missing name (= form, indented)', line: '   = action::x', column: 4, message: /missing name/ },
  { name: 'bad name character', line: 'git*hub: action::x', column: 4, message: /bad character '\*' in name "git\*hub"/ },
  { name: 'bad name character (unicode)', line: 'github.pü: action::x', column: 9, message: /bad character 'ü'/ },
  { name: 'empty name part', line: 'github..push: action::x', column: 8, message: /empty part in name "github..push"/ },
  { name: 'source with a space', line: 'my source.push: a::x', column: 1, message: /bad source "my source"/ },
  { name: 'unclosed {', line: 'github: action,pull_request{title::x', column: 28, message: /unclosed '\{' in field list "action,pull_request\{title"/ },
  { name: 'unclosed <', line: 'github: a<b<c>::x', column: 10, message: /unclosed '<' in field list "a<b<c>"/ },
  { name: 'unexpected closing bracket', line: 'github: a,b}::x', column: 12, message: /unexpected closing '\}'/ },
  { name: 'mismatched bracket kinds', line: 'github: a{b>::x', column: 12, message: /mismatched brackets.*'\{' at column 10 must close with '\}', not '>'/ },
  { name: 'empty field name between commas', line: 'github: a,,b::x', column: 11, message: /empty field name in field list "a,,b"/ },
  { name: 'empty group', line: 'github: a{}::x', column: 11, message: /empty field name in field list "a\{\}"/ },
  { name: 'trailing comma', line: 'github: a,b,::x', column: 13, message: /empty field name/ },
  { name: 'text after a closed group', line: 'github: a{b}c::x', column: 13, message: /unexpected 'c' after a closed group/ },
  { name: 'single colon inside the field list', line: 'github: a:b::x', column: 10, message: /unexpected ':' in field list/ },
  { name: 'duplicate field in a group', line: 'github: a,b{c,c}::x', column: 15, message: /duplicate field name "c" at the same level/ },
  { name: 'duplicate field at the top level', line: 'github: a,b,a::x', column: 13, message: /duplicate field name "a" at the same level of field list "a,b,a"/ },
  { name: 'prototype key as field', line: 'github: a{__proto__}::x', column: 11, message: /"__proto__" is not allowed/ },
  { name: 'constructor as field', line: 'github: constructor::x', column: 9, message: /"constructor" is not allowed/ },
  { name: 'variable not extracted (names it and lists what is)', line: 'github: action,pull_request{title}::$action$ $pull_request.body$', column: 46, message: /variable \$pull_request\.body\$ is not extracted by the field list \(extracted: action, pull_request\.title\)/ },
  { name: 'variable with no field list at all', line: 'github.ping: ::ping $zen$', column: 21, message: /variable \$zen\$ is not extracted.*\(extracted: nothing\)/ },
  { name: 'unterminated $', line: 'github: action::GitHub $action', column: 24, message: /unterminated variable.*\$\$ for a literal \$/ },
  { name: 'blank variable $ $', line: 'github: action::a $ $ b', column: 20, message: /empty name in path " "/ },
  { name: 'variable with whitespace at its ends', line: 'github: action::$action $', column: 18, message: /whitespace at its ends/ },
  { name: 'variable ending with a dot', line: 'github: a{b}::$a.$', column: 18, message: /ends with '\.'/ },
  { name: 'variable starting with an index', line: 'github: a::$[0]$', column: 13, message: /empty name in path "\[0\]"/ },
  { name: 'bad index: letters', line: 'github: a::$a[x]$', column: 14, message: /bad index "\[x\]"/ },
  { name: 'bad index: negative', line: 'github: a::$a[-1]$', column: 14, message: /bad index "\[-1\]"/ },
  { name: 'bad index: unclosed', line: 'github: a::$a[1$', column: 14, message: /bad index "\[1"/ },
  { name: 'prototype key in a variable', line: 'github: a::$a.constructor$', column: 15, message: /"constructor" in path .* not allowed/ },
  { name: 'empty template', line: 'github: a::   ', column: 12, message: /empty template/ },
  { name: 'malformed condition: no operator', line: 'github[action]: a::x', column: 8, message: /malformed condition "action": no operator/ },
  { name: 'malformed condition: empty value', line: 'github[action=opened|]: a::x', column: 15, message: /empty value/ },
  { name: 'malformed condition: ordering needs a number or severity', line: 'github[level>=loud]: a::x', column: 15, message: /'>=' needs one number or severity word/ },
  { name: 'malformed condition: lone !', line: 'github[a!b]: a::x', column: 9, message: /'!' must be followed by '='/ },
  { name: 'malformed condition: two operators', line: 'github[a==b]: a::x', column: 10, message: /a second operator/ },
  { name: 'malformed condition: empty', line: 'github[a=b, ]: a::x', column: 13, message: /empty condition/ },
  { name: 'malformed condition: bad path', line: 'github[a..b=1]: a::x', column: 10, message: /empty name in path "a\.\.b"/ },
  { name: 'unclosed conditions', line: 'github[a=b: a::x', column: 7, message: /unclosed '\['/ },
  { name: 'nothing but spaces between ] and :', line: 'github[a=b] x: a::x', column: 13, message: /expected ':' or '=' after the conditions/ },
  { name: 'malformed section header', line: '[webhooks', column: 1, message: /malformed section header/ },
];

for (const c of errorCases) {
  test(`parseWebhooksFile() - error: ${c.name}`, () => {
    const text = `; header\n${c.line}\n`;
    const { rules, issues } = parseWebhooksFile(text, 'conf/webhooks.ini');
    assert.equal(rules.length, 0);
    assert.equal(issues.length, 1, issues.map(formatIssue).join('\n'));
    const [issue] = issues;
    assert.ok(issue);
    assert.equal(issue.file, 'conf/webhooks.ini');
    assert.equal(issue.line, 2);
    assert.equal(issue.column, c.column, issue.message);
    assert.match(issue.message, c.message);
  });
}

test('parseWebhooksFile() - duplicate NAME (case-insensitive) names the first line', () => {
  const text = 'github.push: a::x $a$\n\nGitHub.Push = b::y $b$\n';
  const { rules, issues } = parseWebhooksFile(text, 'w.ini');
  assert.equal(rules.length, 1);
  assert.deepEqual(issues.map(formatIssue), ['w.ini:3:1: duplicate line for "GitHub.Push" (first defined on line 1)']);
});

test('parseWebhooksFile() - same NAME with different conditions is not a duplicate; same conditions are', () => {
  const text = [
    'github.push[deleted=true]: a::x',
    'github.push[ deleted = true ]: a::x',
    'github.push[created=true]: a::x',
    'github.push: a::x',
  ].join('\n');
  const { rules, issues } = parseWebhooksFile(text, 'w.ini');
  assert.equal(rules.length, 3);
  assert.deepEqual(issues.map(formatIssue), ['w.ini:2:1: duplicate line for "github.push" with the same conditions (first defined on line 1)']);
});

test('parseWebhooksFile() - reports every issue of every line at once, in reading order', () => {
  const text = [
    'github: action,pull_request{title::GitHub $action$',
    'good: a::fine $a$',
    'stripe: a,,b::x $c$ $d',
    'nonsense',
  ].join('\n');
  const { rules, issues } = parseWebhooksFile(text, 'webhooks.ini');
  assert.deepEqual(rules.map((rule) => rule.name), ['good']);
  assert.deepEqual(issues.map(formatIssue), [
    `webhooks.ini:1:28: unclosed '{' in field list "action,pull_request{title"`,
    'webhooks.ini:3:11: empty field name in field list "a,,b"; expected a name like "action" between commas and brackets',
    'webhooks.ini:3:17: variable $c$ is not extracted by the field list (extracted: a, b)',
    "webhooks.ini:3:21: unterminated variable in template: '$' at column 21 has no closing '$' (write $$ for a literal $)",
    "webhooks.ini:4:1: missing ':' or '=' after the name; expected NAME: FIELDS::TEMPLATE (or NAME = FIELDS::TEMPLATE)",
  ]);
});

test('parseWebhooksFile() - never throws on odd input', () => {
  const inputs = ['', '\n\n\n', '::', ':::', '=', '[', ']', '$$$', 'a:::', 'a: {::x', 'a: }::x', 'a: <>::x', 'a[]: x::y', '\u0000: a::b', 'a'.repeat(10_000)];
  for (const input of inputs) {
    const { issues } = parseWebhooksFile(input, 'w.ini');
    for (const issue of issues) assert.ok(issue.line >= 1 && issue.column >= 1, input);
  }
});

test('formatIssue() - file:line:column: message', () => {
  assert.equal(formatIssue({ file: 'webhooks.ini', line: 12, column: 31, message: 'unclosed' }), 'webhooks.ini:12:31: unclosed');
});

test('parseWebhooksFile() - a leading byte-order mark is ignored', () => {
  const { rules, issues } = parseWebhooksFile('\uFEFFgithub: a::x $a$', 'w.ini');
  assert.deepEqual(issues, []);
  assert.equal(rules[0]?.source, 'github');
});
