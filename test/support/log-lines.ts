/** Reading a GenHook child's pino output (one JSON line per record) in tests. */

/** pids of the processes that logged `msg` (pino writes each line's pid). */
export function pidsLogging(output: string, msg: string): Set<number> {
  const pids = new Set<number>();
  for (const line of output.split('\n')) {
    if (!line.includes(msg)) continue;
    try {
      pids.add((JSON.parse(line) as { pid: number }).pid);
    } catch {
      // a partial line at the end of the buffer
    }
  }
  return pids;
}
