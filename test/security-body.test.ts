import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BodyError } from '../src/errors/index.js';
import { contentKind, decodeUtf8, forbiddenKeys, isForbiddenKey, parseFormPayload, parseJsonSafe } from '../src/payload/index.js';

function assertBodyError(fn: () => unknown, code: string, check?: (error: BodyError) => void) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof BodyError, String(error));
    assert.equal(error.name, 'BodyError');
    assert.equal(error.code, code);
    assert.equal(error.status, 400);
    check?.(error);
    return true;
  });
}

describe('decodeUtf8()', () => {
  it('decodes UTF-8 and drops a BOM', () => {
    assert.equal(decodeUtf8(Buffer.from('{"a":"ü€😀"}', 'utf8')), '{"a":"ü€😀"}');
    assert.equal(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), '{}');
    assert.equal(decodeUtf8(new Uint8Array()), '');
  });

  const invalid: [string, number[]][] = [
    ['Latin-1 é', [0x7b, 0x22, 0xe9, 0x22, 0x7d]],
    ['lone continuation byte', [0x80]],
    ['truncated 3-byte sequence', [0xe2, 0x82]],
    ['overlong encoding of /', [0xc0, 0xaf]],
    ['UTF-16 surrogate encoded', [0xed, 0xa0, 0x80]],
    ['0xff', [0x41, 0xff]],
  ];
  for (const [name, bytes] of invalid) {
    it(`refuses ${name}`, () => {
      assertBodyError(() => decodeUtf8(Uint8Array.from(bytes)), 'invalid_encoding', (e) => assert.match(e.message, /UTF-8/));
    });
  }

  it('recovers after a failure (the shared decoder is not left mid-sequence)', () => {
    assert.throws(() => decodeUtf8(Uint8Array.from([0xe2, 0x82])));
    assert.equal(decodeUtf8(Buffer.from('ok')), 'ok');
  });
});

describe('parseJsonSafe() - syntax errors', () => {
  // [name, text, UTF-16 index of the fault]; the expected byte offset is computed independently with Buffer.
  const cases: [string, string, number][] = [
    ['truncated object', '{"a":1', 6],
    ['truncated after multibyte chars', '{"ключ":"значение €😀","b":[1,2', 31],
    ['empty body', '', 0],
    ['bad literal after multibyte', '{"é":tru}', 8],
    ['trailing comma', '[1,]', 3],
    ['missing colon', '{"a" 1}', 5],
    ['unterminated string', '"abc', 4],
    ['double comma after emoji', '{"😀": [1, 2,, 3]}', 13],
    ['second value', '1 2', 2],
    ['bad escape', '{"a":"\\q"}', 7],
    ['leading zero', '01', 1],
    ['single quotes', "{'a':1}", 1],
  ];
  for (const [name, text, index] of cases) {
    it(`${name}: names the byte offset, line and column`, () => {
      const offset = Buffer.byteLength(text.slice(0, index), 'utf8');
      assertBodyError(() => parseJsonSafe(text), 'invalid_json', (error) => {
        assert.equal(error.position?.offset, offset);
        assert.match(error.message, new RegExp(`at byte ${offset} \\(line 1, column \\d+\\)`));
      });
    });
  }

  it('counts lines and columns across newlines and multibyte chars', () => {
    const text = '{\n  "name": "Grüße",\n  "emoji": "😀😀",\n  "x": nope\n}';
    // `n` could start `null`; the fault is the `o` after it.
    const index = text.indexOf('nope') + 1;
    assertBodyError(() => parseJsonSafe(text), 'invalid_json', (error) => {
      assert.deepEqual(error.position, { offset: Buffer.byteLength(text.slice(0, index)), line: 4, column: 9 });
      assert.ok(error.position !== undefined && error.position.offset > index, 'byte offset must exceed the char index here');
    });
  });

  it('never quotes the payload in the message', () => {
    const secret = 'hunter2-very-secret';
    assertBodyError(() => parseJsonSafe(`{"password":"${secret}", oops}`), 'invalid_json', (error) => {
      assert.ok(!error.message.includes(secret), error.message);
      assert.ok(!error.message.includes('password'), error.message);
    });
  });

  it('parses valid JSON unchanged', () => {
    const value = { a: [1, -2.5e3, true, false, null, 'ü\n"€"'], b: { c: {} }, 'd e': '' };
    assert.deepEqual(parseJsonSafe(JSON.stringify(value)), value);
    assert.deepEqual(parseJsonSafe(' [ ] '), []);
    assert.equal(parseJsonSafe('"\\u00e9"'), 'é');
  });
});

describe('parseJsonSafe() - depth', () => {
  it('refuses 10,000-deep nesting without a stack overflow', () => {
    for (const [open, close] of [['[', ']'], ['{"a":', '}']] as const) {
      const text = open.repeat(10_000) + '1' + close.repeat(10_000);
      assertBodyError(() => parseJsonSafe(text), 'too_deep', (error) => {
        assert.match(error.message, /exceeds 64 levels at byte \d+/);
        assert.equal(error.position?.offset, (open.length) * 64);
      });
    }
  });

  it('refuses deep nesting even when the text is also truncated', () => {
    assertBodyError(() => parseJsonSafe('['.repeat(1_000_000)), 'too_deep');
  });

  it('accepts exactly maxDepth and honours a custom maxDepth', () => {
    const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
    assert.ok(Array.isArray(parseJsonSafe(nest(64))));
    assertBodyError(() => parseJsonSafe(nest(65)), 'too_deep');
    assert.ok(Array.isArray(parseJsonSafe(nest(3), { maxDepth: 3 })));
    assertBodyError(() => parseJsonSafe(nest(4), { maxDepth: 3 }), 'too_deep');
  });

  it('does not count brackets inside strings', () => {
    const text = JSON.stringify({ s: '['.repeat(500) + '\\"[{' + '{'.repeat(500) });
    assert.deepEqual(parseJsonSafe(text), JSON.parse(text));
  });
});

describe('parseJsonSafe() - prototype keys', () => {
  it('drops __proto__, constructor and prototype at every level; Object.prototype stays clean', () => {
    const text = JSON.stringify({
      a: 1,
      nested: { keep: true, constructor: { prototype: { polluted: 'yes' } } },
      list: [{ prototype: 1, ok: 2 }],
    }).replace('"a":1', '"a":1,"__proto__":{"polluted":"yes"}');
    const value = parseJsonSafe(text) as Record<string, unknown>;
    assert.deepEqual(value, { a: 1, nested: { keep: true }, list: [{ ok: 2 }] });
    assert.equal(Object.hasOwn(value, '__proto__'), false);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });

  it('catches keys spelled with \\u escapes', () => {
    const value = parseJsonSafe('{"\\u005f_proto__":{"polluted":1},"constructo\\u0072":2,"ok":3}');
    assert.deepEqual(value, { ok: 3 });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('keeps the words when they are values, not keys', () => {
    assert.deepEqual(parseJsonSafe('{"kind":"constructor","list":["__proto__"]}'), { kind: 'constructor', list: ['__proto__'] });
  });
});

describe('parseFormPayload()', () => {
  it('returns the JSON of a Slack interactive payload=', () => {
    const payload = { type: 'block_actions', user: { id: 'U1', name: 'zoë' }, actions: [{ value: 'a&b=c' }] };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    assert.deepEqual(parseFormPayload(body), payload);
  });

  it('applies the JSON rules to payload=', () => {
    assertBodyError(() => parseFormPayload('payload=%7B%22a%22%3A'), 'invalid_json');
    assertBodyError(() => parseFormPayload(`payload=${'%5B'.repeat(100)}`), 'too_deep');
    assert.deepEqual(parseFormPayload(`payload=${encodeURIComponent('{"__proto__":{"x":1},"y":2}')}`), { y: 2 });
  });

  it('returns other forms as fields, repeated fields as arrays, unsafe keys dropped', () => {
    const body = 'token=abc&team_id=T1&command=%2Fweather&text=94070+now&tag=a&tag=b&tag=c&__proto__=x&constructor=y';
    assert.deepEqual(parseFormPayload(body), { token: 'abc', team_id: 'T1', command: '/weather', text: '94070 now', tag: ['a', 'b', 'c'] });
    assert.deepEqual(parseFormPayload(''), {});
  });
});

describe('contentKind()', () => {
  const cases: [string | undefined, string][] = [
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['Application/JSON', 'json'],
    ['application/cloudevents+json; charset=utf-8', 'json'],
    ['application/cloudevents-batch+json', 'json'],
    ['text/plain; charset=UTF-8', 'json'],
    [undefined, 'json'],
    ['', 'json'],
    ['application/x-www-form-urlencoded', 'form'],
    ['application/x-www-form-urlencoded; charset=utf-8', 'form'],
    ['multipart/form-data; boundary=x', 'unsupported'],
    ['application/xml', 'unsupported'],
    ['text/html', 'unsupported'],
    ['application/jsonx', 'unsupported'],
    ['application/octet-stream', 'unsupported'],
  ];
  for (const [type, expected] of cases) {
    it(`${JSON.stringify(type)} -> ${expected}`, () => assert.equal(contentKind(type), expected));
  }
});

describe('isForbiddenKey()', () => {
  it('is forbiddenKeys.has for the forbidden names and for same-length others', () => {
    for (const key of forbiddenKeys) assert.equal(isForbiddenKey(key), true, key);
    for (const key of ['__proto_x', 'prototypE', 'constructoR', 'Constructor', 'proto', '', '__proto__ ', 'constructors']) assert.equal(isForbiddenKey(key), false, key);
  });

  it('keys of the same length as a forbidden one survive the JSON walk', () => {
    assert.deepEqual(parseJsonSafe('{"prototypE":1,"constructoR":{"__proto_x":2},"prototype":3}'), { prototypE: 1, constructoR: { __proto_x: 2 } });
  });
});
