/**
 * Character-level scans of JSON text that run after `JSON.parse` failed: a depth check and an error locator
 * (V8's messages quote the payload and do not always give a position). Both are loops, never recursion.
 */

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index of the bracket that takes nesting past `maxDepth`, or -1. Brackets inside strings do not count. */
export function findDepthExcess(text: string, maxDepth: number): number {
  let depth = 0;
  let isInString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (isInString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) isInString = false;
    } else if (c === QUOTE) {
      isInString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > maxDepth) return i;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return -1;
}

export interface JsonFault {
  /** UTF-16 index into the text. */
  readonly index: number;
  readonly reason: string;
}

class Fault {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/**
 * First fault in `text` per RFC 8259, or undefined when it is valid JSON. Iterative (an explicit stack of
 * open containers), so any nesting the body size allows is located without recursion, whatever max_json_depth says.
 */
export function locateJsonFault(text: string): JsonFault | undefined {
  let i = 0;
  const end = text.length;
  // The closer each open container waits for, innermost last.
  const open: ('}' | ']')[] = [];
  const fail = (reason: string, at = i): never => {
    throw new Fault(at, at >= end && reason !== 'unterminated string' ? 'unexpected end of input' : reason);
  };
  const skipSpace = (): void => {
    while (i < end && ' \t\n\r'.includes(text[i] as string)) i += 1;
  };
  const readString = (): void => {
    i += 1;
    for (;;) {
      if (i >= end) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === QUOTE) return void (i += 1);
      if (c < 0x20) fail('unescaped control character in string');
      if (c !== BACKSLASH) i += 1;
      else if (SIMPLE_ESCAPES.has(text[i + 1] ?? '')) i += 2;
      else if (text[i + 1] === 'u' && HEX4.test(text.slice(i + 2, i + 6))) i += 6;
      else fail('invalid escape sequence in string', i + 1);
    }
  };
  const readLiteral = (word: string): void => {
    let j = 0;
    while (j < word.length && text[i + j] === word[j]) j += 1;
    if (j < word.length) fail('unexpected character', i + j);
    i += word.length;
  };
  const readMemberName = (): void => {
    skipSpace();
    if (text[i] !== '"') fail('expected a property name in double quotes');
    readString();
    skipSpace();
    if (text[i] !== ':') fail("expected ':' after a property name");
    i += 1;
  };
  /** Reads one value; true when it opened a non-empty container whose first member comes next. */
  const readValueStart = (): boolean => {
    skipSpace();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i += 1;
      skipSpace();
      if (text[i] === close) {
        i += 1;
        return false;
      }
      open.push(close);
      if (close === '}') readMemberName();
      return true;
    }
    if (c === '"') readString();
    else if (c === 't') readLiteral('true');
    else if (c === 'f') readLiteral('false');
    else if (c === 'n') readLiteral('null');
    else {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (match === null) fail('unexpected character');
      else i += match[0].length;
    }
    return false;
  };

  try {
    for (;;) {
      if (readValueStart()) continue;
      // A value is complete: close containers until one continues with ',' or the top-level value ends.
      for (;;) {
        const close = open.at(-1);
        skipSpace();
        if (close === undefined) {
          if (i < end) fail('unexpected data after the JSON value');
          return undefined;
        }
        if (text[i] === close) {
          i += 1;
          open.pop();
        } else if (text[i] === ',') {
          i += 1;
          if (close === '}') readMemberName();
          break;
        } else {
          fail(`expected ',' or '${close}' after ${close === '}' ? 'a property value' : 'an array element'}`);
        }
      }
    }
  } catch (error) {
    if (error instanceof Fault) return { index: error.index, reason: error.reason };
    throw error;
  }
}
