import { connect, Socket } from 'node:net';

/** A client socket that records what it receives, for requests supertest cannot make (slow, half-sent). */
export interface RawClient {
  socket: Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  closed(): boolean;
  /** Resolves once `test(received)` holds, or rejects after `timeoutMs`. */
  waitFor(test: (received: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  waitForClose(timeoutMs?: number): Promise<void>;
}

export async function rawClient(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let data = '';
  let closed = false;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('latin1');
    notify();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed = true;
    notify();
  });
  const waitUntil = (test: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received: ${data.slice(0, 300)}`),
        );
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return {
    socket,
    received: () => data,
    closed: () => closed,
    waitFor: async (test, what, timeoutMs = 5_000) => {
      await waitUntil(() => test(data), what, timeoutMs);
      return data;
    },
    waitForClose: (timeoutMs = 5_000) => waitUntil(() => closed, 'the connection to close', timeoutMs),
  };
}

/** The request line and headers of a POST, ending with the blank line; the body is the caller's to send. */
export function postHead(path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...lines, '', ''].join('\r\n');
}

/** The status code of the last final (non-1xx) response in `received`, if any. */
export function finalStatus(received: string): number | undefined {
  const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  return statuses.filter((s) => s >= 200).at(-1);
}
