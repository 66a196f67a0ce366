/**
 * Control characters from payloads, made harmless where people read them: in SL1's alert text and on an
 * operator's terminal (`genhook dlq list`), where ESC sequences, CR or backspaces could paint fake lines.
 */

// C0 controls except TAB and LF, DEL, and the C1 controls (U+0080–U+009F; U+009B is a one-character CSI).
const MESSAGE_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const CRLF_OR_CR = /\r\n?/g;

/** What replaces a control character in an SL1 message. */
export const REPLACEMENT_CHARACTER = '\uFFFD';

/**
 * The SL1 message with control characters other than `\n` and `\t` replaced by U+FFFD; a CR or CRLF line end
 * becomes `\n`, as the sender meant a line break. Text without control characters is returned as it is.
 * @example replaceControlCharacters('a\u001b[31mb\r\nc') // 'a\uFFFD[31mb\nc'
 */
export function replaceControlCharacters(message: string): string {
  MESSAGE_CONTROLS.lastIndex = 0;
  if (!MESSAGE_CONTROLS.test(message)) return message;
  MESSAGE_CONTROLS.lastIndex = 0;
  return message.replace(CRLF_OR_CR, '\n').replace(MESSAGE_CONTROLS, REPLACEMENT_CHARACTER);
}

// Every C0 control (TAB and LF too: a listing is one entry per line, tab-separated), DEL, C1, the Unicode line
// and paragraph separators, and the bidirectional overrides and isolates that reorder what a terminal shows.
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

/**
 * Text safe to print on a terminal line: each control character is shown escaped (`\n`, `\r`, `\t`, `\e`,
 * else `\xHH` or `\uHHHH`), so a payload cannot move the cursor, clear the screen or start a new line.
 * @example escapeForTerminal('ok\u001b[2J\rFAKE') // 'ok\\e[2J\\rFAKE'
 */
export function escapeForTerminal(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (char) => {
    const named = NAMED[char];
    if (named !== undefined) return named;
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
