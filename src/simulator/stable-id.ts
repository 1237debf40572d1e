import { createHash } from 'node:crypto';

const digest = (...parts: string[]): Buffer => createHash('sha256').update(parts.join('\u0000')).digest();

/** A UUID-shaped id derived from its inputs, so that separate `send` calls about one session agree. */
export function stableUuid(...parts: string[]): string {
  const h = digest(...parts).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const stableHex = (length: number, ...parts: string[]): string =>
  digest(...parts)
    .toString('hex')
    .slice(0, length);

/** A positive integer id (for providers whose ids are numbers). */
export const stableInt = (max: number, ...parts: string[]): number =>
  (digest(...parts).readUInt32BE(0) % max) + 1;
