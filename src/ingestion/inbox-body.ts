import { createHash } from 'node:crypto';
import { ConfigErrors, Env, readByteSize, readEnum } from 'src/config/env-readers';
import type { RawDelivery } from 'src/ingestion/ingestion.types';
import { WindowCounter } from 'src/rate-limit/window-counter';

/** How much of a body a preview keeps (and the deliveries listing shows). */
export const PREVIEW_BYTES = 2048;

/**
 * What the inbox keeps of a body: all of it; its SHA-256, size and first PREVIEW_BYTES (`preview`); or its
 * SHA-256 and size alone (`hash`, for bytes stored elsewhere, such as a thumbnail's image).
 */
export type BodyKeeping = 'full' | 'preview' | 'hash';

export interface KeptBody {
  body: Buffer | null;
  /** Set only when `body` is not the whole body: the delivery can then not be replayed. */
  sha256: Buffer | null;
}

export function keptBody(body: Buffer, keeping: BodyKeeping): KeptBody {
  if (keeping === 'full' || (keeping === 'preview' && body.length <= PREVIEW_BYTES))
    return { body, sha256: null };
  const sha256 = createHash('sha256').update(body).digest();
  return { body: keeping === 'hash' ? null : body.subarray(0, PREVIEW_BYTES), sha256 };
}

export interface InboxConfig {
  /**
   * What is kept of deliveries whose body no credential vouches for: refused after reading (a replayed
   * Perculus token) or rejected where the credential does not cover the body (an Eyeson callback URL).
   */
  unverifiedBodies: 'preview' | 'full';
  /**
   * Bytes of rejected bodies kept in full per credential (a provider's secrets, or one Eyeson URL's
   * reference) per hour and instance; past it only previews are kept until the hour ends.
   */
  rejectedBodyBytesPerHour: number;
}

export function parseInboxConfig(env: Env, errors: ConfigErrors): InboxConfig {
  return {
    unverifiedBodies: readEnum(
      env,
      'INBOX_UNVERIFIED_BODIES',
      errors,
      ['preview', 'full'] as const,
      'preview',
    ),
    rejectedBodyBytesPerHour: readByteSize(
      env,
      'INBOX_REJECTED_BODY_BYTES_PER_HOUR',
      errors,
      16 * 1024 * 1024,
      1024 * 1024 * 1024,
    ),
  };
}

/**
 * Decides what the inbox keeps of a delivery that is not applied. Anything that passed a real signature is
 * kept whole, so that it can be replayed after a fix, until its credential's hourly budget is spent; what no
 * credential vouches for is kept as hash, size and preview (enough to see what came, not enough to make the
 * inbox a free store), unless INBOX_UNVERIFIED_BODIES=full.
 */
export class InboxBodyPolicy {
  private readonly budget: WindowCounter;

  constructor(private readonly config: InboxConfig) {
    this.budget = new WindowCounter(config.rejectedBodyBytesPerHour, 3_600_000);
  }

  /** For a delivery a guard read and then refused. */
  refused(raw: RawDelivery, credential: string): BodyKeeping {
    return this.config.unverifiedBodies === 'preview' ? 'preview' : this.rejected(raw, credential, true);
  }

  /** For a delivery that passed its guard and failed validation; `bodySigned` says whether a MAC covers it. */
  rejected(raw: RawDelivery, credential: string, bodySigned: boolean): BodyKeeping {
    if (!bodySigned && this.config.unverifiedBodies === 'preview') return 'preview';
    if (raw.body.length <= PREVIEW_BYTES) return 'full';
    return this.budget.take(`${raw.provider}:${credential}`, raw.body.length) ? 'full' : 'preview';
  }
}
