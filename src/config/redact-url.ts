/** Passwords inside URLs, hidden wherever settings text is shown. */

/** `https://user:secret@host/` → `https://user:***@host/`, in any text: a password never reaches a log or a terminal. */
export function redactUrlPasswords(text: string): string {
  return text.replace(/(\/\/[^/@:\s"]*):[^@/\s"]*@/g, '$1:***@');
}

