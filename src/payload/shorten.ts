/**
 * The one way GenHook shortens a text it shows (an SL1 message, a value quoted in a refusal or a config issue, a
 * console row): at most `maxChars` UTF-16 units, the last one `…` when anything was cut, never between the two
 * halves of a surrogate pair (an emoji goes whole or not at all).
 */
export function shorten(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = Math.max(0, maxChars - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
