import { registeredProviders } from 'src/config/provider-registry';

import { PREVIEW_BYTES } from 'src/ingestion/inbox-body';

/** How much of a stored body the deliveries listing shows: what the inbox keeps of a refused body. */
export { PREVIEW_BYTES };

const HIDDEN_HEADERS = ['authorization', 'cookie'];

/**
 * The kept headers minus anything that authenticates a request (signatures, MACs, credentials): the core's
 * list, every registered provider's `hiddenHeaders`, and any name saying signature or secret.
 */
export function visibleHeaders(headers: Record<string, string>): Record<string, string> {
  const hidden = new Set([...HIDDEN_HEADERS, ...registeredProviders().flatMap((p) => p.hiddenHeaders ?? [])]);
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) => !hidden.has(name.toLowerCase()) && !/signature|secret/i.test(name),
    ),
  );
}

// A JSON string value of a credential-like key; also matches a value cut off by the preview's end.
const SECRET_VALUE =
  /("(?:token|secret|password|signature|api[_-]?key|authorization)"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)/gi;

/**
 * The start of a body as text, for operators: the first PREVIEW_BYTES bytes when they are UTF-8 text
 * (JSON in practice; a JPEG thumbnail gives null), with credential-like JSON values (e.g. Perculus'
 * `token`, which stays replayable for minutes) replaced by "[redacted]". A multi-byte character cut by the
 * limit is dropped.
 */
export function bodyPreview(prefix: Buffer | null, size: number): string | null {
  if (prefix === null || prefix.length === 0) return null;
  let text: string | null = null;
  // A cut multi-byte UTF-8 character leaves at most 3 bytes of it at the end.
  for (let cut = 0; cut <= (size > prefix.length ? 3 : 0) && text === null; cut++) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(0, prefix.length - cut));
    } catch {
      text = null;
    }
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what marks binary data
  if (text === null || /[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return null;
  return text.replace(SECRET_VALUE, '$1"[redacted]"');
}
