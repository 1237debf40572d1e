import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, ProblemCode, problemType } from 'src/common/problem';

const BY_CODE: Record<string, [number, ProblemCode, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'headers-too-large',
    'Request header fields too large',
    'The request headers are larger than the server accepts.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'request-timeout',
    'Request timeout',
    'The request was not received in time.',
  ],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [
    413,
    'payload-too-large',
    'Payload too large',
    'The chunk extensions are larger than the server accepts.',
  ],
};

/**
 * Requests Node's HTTP parser refuses before any middleware runs (headers over the size limit, malformed
 * request lines, slow clients) get a problem document too, instead of Node's bare status line.
 */
export function answerClientErrors(
  server: Server,
  onRefused: (status: number, code: ProblemCode) => void = () => undefined,
): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, code, title, detail] = BY_CODE[err.code ?? ''] ?? [
      400,
      'bad-request',
      'Bad request',
      'The request is not valid HTTP.',
    ];
    onRefused(status, code);
    // Which rule of HTTP the request broke (Node's parser code, e.g. HPE_INVALID_HEADER_TOKEN), for the sender.
    const parserError = BY_CODE[err.code ?? ''] === undefined ? err.code : undefined;
    const body = JSON.stringify({ type: problemType(code), title, status, code, detail, parserError });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
