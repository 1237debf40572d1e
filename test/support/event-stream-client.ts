import { get, IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { TEST_API_KEY } from './test-app';

/** One Server-Sent Events message (a comment line alone is a message too: `: heartbeat`). */
export interface StreamMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** The complete messages at the start of `buffer`, and what is left of it (an incomplete message). */
export function splitMessages(buffer: string): { messages: StreamMessage[]; rest: string } {
  const messages: StreamMessage[] = [];
  let end;
  while ((end = buffer.indexOf('\n\n')) >= 0) {
    const message: StreamMessage = {};
    for (const line of buffer.slice(0, end).split('\n')) {
      const [, field, value] = /^([^:]*):? ?(.*)$/.exec(line) ?? [];
      if (field === '') message.comment = value;
      else if (field === 'id' || field === 'event' || field === 'data') message[field] = value;
    }
    buffer = buffer.slice(end + 2);
    messages.push(message);
  }
  return { messages, rest: buffer };
}

/**
 * `GET /api/events/stream` on a connection of its own, read only while the test lets it: a client that
 * stops reading leaves what the service sends in the socket buffers and then in the service's.
 */
export class EventStreamClient {
  readonly messages: StreamMessage[] = [];
  /** The ids of the events received, in order (the Event's own id, not the message's cursor). */
  readonly eventIds: string[] = [];
  /** Bytes of each event message, as received. */
  readonly sizes: number[] = [];
  /** The service ended or cut the response. */
  ended = false;
  private rest = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly res: IncomingMessage,
    /** The client's port: the service's socket for this client has it as its remote port. */
    readonly localPort: number,
  ) {
    res.on('data', (chunk: Buffer) => this.received(chunk));
    res.on('error', () => this.end());
    res.on('aborted', () => this.end());
    res.on('close', () => this.end());
    res.on('end', () => this.end());
    res.pause();
  }

  static open(
    baseUrl: string,
    query: string,
    headers: Record<string, string> = {},
  ): Promise<EventStreamClient> {
    return new Promise((resolve, reject) => {
      const req = get(
        `${baseUrl}/api/events/stream${query}`,
        { headers: { Authorization: `Bearer ${TEST_API_KEY}`, ...headers }, agent: false },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`stream answered ${res.statusCode}`));
          else resolve(new EventStreamClient(res, req.socket!.localPort!));
        },
      );
      req.on('error', reject);
    });
  }

  /** Takes data as it comes (again). */
  read(): void {
    this.res.resume();
  }

  /** Resolves once `test()` holds, or rejects after `timeoutMs`. */
  waitFor(test: () => boolean, what: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        this.listeners.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  close(): void {
    this.res.destroy();
  }

  private received(chunk: Buffer): void {
    const { messages, rest } = splitMessages(this.rest + this.decoder.write(chunk));
    this.rest = rest;
    for (const m of messages) {
      this.messages.push(m);
      if (m.event !== 'event') continue;
      this.eventIds.push((JSON.parse(m.data ?? '') as { id: string }).id);
      this.sizes.push(Buffer.byteLength(`id: ${m.id}\nevent: event\ndata: ${m.data}\n\n`));
    }
    this.notify();
  }

  private end(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
