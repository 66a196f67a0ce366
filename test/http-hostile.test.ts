/**
 * Hostile input over real sockets: every bad request gets a deliberate answer (never a 500 and never a hang),
 * and the server is still healthy afterwards. Framing-level abuse uses a raw TCP client, because fetch
 * refuses to send most of it. Set GENHOOK_HOSTILE_TABLE=<file> to write the inputs and answers as Markdown.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseWebhooksFile } from '../src/rules/index.js';
import { send, startTestGenHook, waitUntil, type TestGenHook } from './support/genhook.js';

const WEBHOOKS = `
acme: status,service{name}::Acme $service.name$ is $status$
embedded: items{name}::Embedded $items.name$
azure: eventType,subject::Azure $eventType$: $subject$
slack: type::Slack $type$
`;
const MB = 1024 * 1024;

let server: TestGenHook;
const table: { input: string; status: number; code: string }[] = [];

before(async () => {
  server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { queue_max_size: 1000 } });
});
after(async () => {
  const file = process.env['GENHOOK_HOSTILE_TABLE'];
  if (file) {
    const rows = table.map(({ input, status, code }) => `| ${input.replaceAll('|', '\\|')} | ${status} | ${code || '-'} |`);
    await writeFile(file, ['| bad input | status | answer code |', '|---|---|---|', ...rows, ''].join('\n'));
  }
  await server.close();
});

/** Records the answer for the report and checks it. */
function expectAnswer(input: string, answer: { status: number; code: string }, status: number, code: string): void {
  table.push({ input, ...answer });
  assert.equal(answer.status, status, `${input}: status`);
  assert.equal(answer.code, code, `${input}: code`);
}

async function post(path: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  const response = await server.post(path, body, headers);
  return { status: response.status, code: String(response.json['error']?.['code'] ?? response.json['status'] ?? '') };
}

interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly code: string;
  /** Body bytes the client had written when the answer was complete. */
  readonly sentBytes: number;
}

/**
 * Writes `head` and then `chunks` one at a time (respecting backpressure) until the answer is complete, and
 * never ends the request itself: an answer that arrives proves GenHook did not wait for the rest.
 */
function exchange(head: string, chunks: Iterable<Buffer> = []): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.genhook.port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let sentBytes = 0;
    let answer: RawAnswer | undefined;
    const finish = (isClosed: boolean): void => {
      if (answer) return;
      const split = received.indexOf('\r\n\r\n');
      if (split < 0) {
        if (isClosed) reject(new Error(`connection closed without an answer after ${received.length} bytes`));
        return;
      }
      const [statusLine = '', ...lines] = received.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      const body = received.subarray(split + 4);
      const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
      if (length === undefined ? !isClosed : body.length < length) return;
      const text = body.toString('utf8');
      let code = '';
      try {
        code = String((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '');
      } catch {
        // Node's own 400/431 answers have no JSON body.
      }
      answer = { status: Number(statusLine.split(' ')[1]), headers, body: text, code, sentBytes };
      socket.destroy();
      resolve(answer);
    };
    socket.on('data', (data) => {
      received = Buffer.concat([received, data]);
      finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    // A reset after the answer is expected (the server closes with body bytes unread).
    socket.on('error', () => finish(true));
    socket.write(head);
    void (async () => {
      for (const chunk of chunks) {
        if (answer || socket.destroyed) return;
        sentBytes += chunk.length;
        if (!socket.write(chunk)) {
          await new Promise((done) => {
            socket.once('drain', done);
            socket.once('close', done);
          });
        }
      }
    })();
  });
}

function* repeat(chunk: Buffer, times: number): Generator<Buffer> {
  for (let i = 0; i < times; i++) yield chunk;
}

function* chunked(chunk: Buffer, times: number): Generator<Buffer> {
  for (let i = 0; i < times; i++) yield Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
}

const head = (lines: readonly string[], path = '/webhook/acme') => `POST ${path} HTTP/1.1\r\nHost: genhook\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`;

describe('malformed JSON and encodings', () => {
  test('truncated JSON is 400 invalid_json naming a byte offset', async () => {
    expectAnswer('truncated JSON `{"status":"ok","service":{"name":"bil`', await post('/webhook/acme', '{"status":"ok","service":{"name":"bil'), 400, 'invalid_json');
  });

  test('empty body is 400 invalid_json', async () => {
    expectAnswer('empty body (Content-Length: 0)', await post('/webhook/acme', ''), 400, 'invalid_json');
  });

  for (const [name, bytes] of [
    ['binary garbage (0xff 0xfe 0x00 ...) as application/json', Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x80, 0xc3, 0x28])],
    ['invalid UTF-8 inside a JSON string', Buffer.concat([Buffer.from('{"status":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])],
    ['overlong UTF-8 encoding of "/" (0xc0 0xaf)', Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d])],
    ['UTF-16LE encoded JSON', Buffer.from('\ufeff{"status":"ok"}', 'utf16le')],
  ] as const) {
    test(`${name} is 400 invalid_encoding`, async () => {
      expectAnswer(name, await post('/webhook/acme', bytes), 400, 'invalid_encoding');
    });
  }

  test('binary garbage without a Content-Type is 400 invalid_encoding', async () => {
    const response = await exchange(head(['Content-Length: 4']), [Buffer.from([0x00, 0xff, 0x10, 0xfe])]);
    expectAnswer('binary garbage without Content-Type', response, 400, 'invalid_encoding');
  });

  for (const [name, body] of [
    ['top-level JSON null', 'null'],
    ['top-level JSON number', '42'],
    ['top-level JSON string', '"status"'],
    ['top-level JSON true', 'true'],
  ] as const) {
    test(`${name} is 400 invalid_payload`, async () => {
      expectAnswer(name, await post('/webhook/acme', body), 400, 'invalid_payload');
    });
  }

  test('an array of scalars is 200 ignored, one reason per item', async () => {
    expectAnswer('array of scalars `[1,"a",null]`', await post('/webhook/azure', '[1,"a",null]'), 200, 'ignored');
  });

  test('a Slack form body whose payload= is not JSON is 400 invalid_json', async () => {
    const answer = await post('/webhook/slack', 'payload=%7B%22type%22%3A', { 'content-type': 'application/x-www-form-urlencoded' });
    expectAnswer('form body with truncated payload= JSON', answer, 400, 'invalid_json');
  });
});

describe('size, depth and batch limits', () => {
  test('10,000-deep arrays and objects are 400 too_deep', async () => {
    const arrays = '['.repeat(10_000) + ']'.repeat(10_000);
    expectAnswer('10,000-deep nested arrays', await post('/webhook/acme', arrays), 400, 'too_deep');
    const objects = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    expectAnswer('10,000-deep nested objects', await post('/webhook/acme', objects), 400, 'too_deep');
  });

  test('a JSON string holding 200,000-deep nesting, read through a field list, is not decoded: the field renders missing', async () => {
    const items = '['.repeat(200_000) + ']'.repeat(200_000);
    expectAnswer('JSON string field holding 200,000-deep nesting (`items{name}`)', await post('/webhook/embedded', JSON.stringify({ items })), 202, 'queued');
  });

  test('10 MB declared in Content-Length is 413 before a byte of body is read', async () => {
    const answer = await exchange(head(['Content-Type: application/json', `Content-Length: ${10 * MB}`]));
    expectAnswer('10 MB body, Content-Length declared, no body bytes sent', answer, 413, 'body_too_large');
    assert.equal(answer.sentBytes, 0, 'the answer came while the whole body was still unsent');
    assert.equal(answer.headers['connection'], 'close');
  });

  test('10 MB body streamed with Content-Length is 413 and the client is not made to send it all', async () => {
    const answer = await exchange(head(['Content-Type: application/json', `Content-Length: ${10 * MB}`]), repeat(Buffer.alloc(64 * 1024, 0x20), 160));
    expectAnswer('10 MB body streamed after a Content-Length header', answer, 413, 'body_too_large');
  });

  test('chunked body without a length is cut off at max_body_size: 413 while the request is still open', async () => {
    // 40 MB offered, never terminated: only an answer before the end proves the server stopped reading.
    const answer = await exchange(head(['Content-Type: application/json', 'Transfer-Encoding: chunked']), chunked(Buffer.alloc(64 * 1024, 0x20), 640));
    expectAnswer('chunked body (no Content-Length) past 1 MB, never terminated', answer, 413, 'body_too_large');
    assert.ok(answer.sentBytes > MB, 'the limit was crossed before the answer');
    assert.ok(answer.sentBytes < 40 * MB, 'the answer came before the body ended');
  });

  test('a body that stops short of its Content-Length is refused and logged as incomplete', async () => {
    const before = server.logs.length;
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(server.genhook.port, '127.0.0.1', () => socket.end(`${head(['Content-Type: application/json', 'Content-Length: 100'])}{"status":`));
      let text = '';
      socket.on('data', (data) => (text += data.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', () => undefined);
    });
    table.push({ input: 'body shorter than Content-Length, then half-close', status: Number(answer.split(' ')[1] ?? 0), code: 'body_aborted (logged)' });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    // Node may answer before the route logs; wait for the line rather than for a time.
    await waitUntil(() => server.logs.slice(before).some((line) => line['code'] === 'body_aborted'), 'the body_aborted log line');
  });

  test('an array with more items than queue_max_size is 413 too_many_items, not a 503 retried forever', async () => {
    const items = `[${Array.from({ length: 5000 }, (_, i) => `{"eventType":"X.Y","subject":"s${i}","id":"e${i}"}`).join(',')}]`;
    expectAnswer('array of 5,000 events (queue_max_size 1,000)', await post('/webhook/azure', items), 413, 'too_many_items');
    const scalars = `[${'0,'.repeat(299_999)}0]`;
    expectAnswer('array of 300,000 numbers (600 KB)', await post('/webhook/acme', scalars), 413, 'too_many_items');
    const fits = `[${Array.from({ length: 50 }, (_, i) => `{"eventType":"X.Y","subject":"s${i}","id":"fit${i}"}`).join(',')}]`;
    expectAnswer('array of 50 events', await post('/webhook/azure', fits), 202, 'queued');
  });

  test('a 5,000-character source name is 404 with the name cut short', async () => {
    const response = await server.post(`/webhook/${'a'.repeat(5000)}`, '{}');
    expectAnswer('5,000-character source name in the URL', { status: response.status, code: response.json['error']['code'] }, 404, 'unknown_source');
    assert.ok(response.text.length < 500);
  });
});

describe('prototype keys', () => {
  test('__proto__, constructor and prototype keys are dropped: nothing is polluted, nothing rendered', async () => {
    const body = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"status":"ok",' +
      '"service":{"name":"web","__proto__":{"polluted":"yes"},"\\u005f_proto__":{"polluted":"yes"}}}';
    const response = await server.post('/webhook/acme', body);
    expectAnswer('`__proto__` / `constructor.prototype` / escaped `\\u005f_proto__` keys', { status: response.status, code: response.json['status'] }, 202, 'queued');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    const logged = server.logs.find((line) => line['alertId'] === response.json['id'] && line['delivered'] === false);
    assert.equal(logged?.['message'], 'Acme web is ok');
  });

  test('a form body with __proto__ fields pollutes nothing', async () => {
    const answer = await post('/webhook/slack', '__proto__=x&constructor=y&type=block_actions', { 'content-type': 'application/x-www-form-urlencoded' });
    expectAnswer('form body `__proto__=x&constructor=y`', answer, 202, 'queued');
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
  });

  test('a line that reads through a prototype key is refused by the parser, so no template can', async () => {
    for (const line of [
      'acme: status::Acme $__proto__.polluted$',
      'acme: status::Acme $status.constructor.name$',
      'acme: __proto__{polluted}::Acme $status$',
      'acme: service{prototype}::Acme $status$',
      'acme[constructor=x]: status::Acme $status$',
    ]) {
      const parsed = parseWebhooksFile(`${line}\n`, 'webhooks.ini');
      assert.ok(parsed.issues.length > 0, `${line} must be refused`);
      assert.match(parsed.issues.map((issue) => issue.message).join('\n'), /not allowed \(prototype key\)/, line);
    }
    await assert.rejects(startTestGenHook({ webhooks: 'acme: status::Acme $__proto__.polluted$\n' }), { name: 'ConfigError' });
  });
});

describe('content types', () => {
  for (const type of ['image/png', 'application/xml', 'text/html', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/jsonx']) {
    test(`Content-Type ${type} is 415`, async () => {
      expectAnswer(`Content-Type: ${type}`, await post('/webhook/acme', '{"status":"ok"}', { 'content-type': type }), 415, 'unsupported_media_type');
    });
  }
});

describe('header floods and framing', () => {
  test('3,000 headers (past 16 KB) are answered 431 by Node', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `X-Flood-${i}: v`);
    expectAnswer('3,000 request headers (~40 KB)', await exchange(head(['Content-Length: 2', ...lines]), [Buffer.from('{}')]), 431, '');
  });

  test('one 20 KB header is answered 431', async () => {
    expectAnswer('one 20 KB header', await exchange(head(['Content-Length: 2', `X-Big: ${'a'.repeat(20_000)}`]), [Buffer.from('{}')]), 431, '');
  });

  test('800 small headers within the limit are read normally', async () => {
    const lines = Array.from({ length: 800 }, (_, i) => `X-H${i}: v`);
    const answer = await exchange(head(['Content-Type: application/json', 'Content-Length: 17', ...lines]), [Buffer.from('{"status":"many"}')]);
    expectAnswer('800 small headers (~8 KB)', { status: answer.status, code: JSON.parse(answer.body).status }, 202, 'queued');
  });

  for (const [name, lines] of [
    ['Content-Length and Transfer-Encoding together', ['Content-Length: 2', 'Transfer-Encoding: chunked']],
    ['two different Content-Length headers', ['Content-Length: 2', 'Content-Length: 3']],
    ['Content-Length that is not a number', ['Content-Length: abc']],
  ] as const) {
    test(`${name} is answered 400 by Node`, async () => {
      expectAnswer(name, await exchange(head([...lines]), [Buffer.from('0\r\n\r\n')]), 400, '');
    });
  }

  test('a request line of binary garbage is answered 400', async () => {
    expectAnswer('binary garbage instead of a request line', await exchange('\x00\x01\x02GARBAGE\r\n\r\n'), 400, '');
  });
});

describe('after the whole suite', () => {
  test('GET /health answers 200, nothing failed inside GenHook, and no input was answered 5xx', async () => {
    const health = await send(`${server.url}/health`, '', {}, 'GET');
    assert.equal(health.status, 200);
    assert.deepEqual(server.logs.filter((line) => line['level'] === 'error'), []);
    assert.deepEqual(table.filter((row) => row.status >= 500), []);
    assert.ok(table.length >= 30, `the suite tried ${table.length} bad inputs`);
  });
});
