/** A yes/no question on the terminal; anything but y/yes is no. */
import { createInterface } from 'node:readline/promises';

export async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await prompt.question(`${question} [y/N] `).finally(() => prompt.close());
  return /^y(es)?$/i.test(answer.trim());
}
