import type { FeedDataDto } from 'src/providers/millicast/dto/feeds.dto';
import type { MediaDataDto } from 'src/providers/millicast/dto/media.dto';
import type { RecordingDataDto } from 'src/providers/millicast/dto/recordings.dto';
import type { TranscoderDataDto } from 'src/providers/millicast/dto/transcoder.dto';
import type { ViewerConnectionDataDto } from 'src/providers/millicast/dto/viewer-connection.dto';

/**
 * The documented JSON hooks: family → events, both in lower case. Millicast's docs spell some names
 * differently from page to page (`recording` / `recordings`; `ViewerAttempt` / `viewerAttempt`), so type and
 * event are matched case-insensitively, and the timeline keeps the spelling that was sent.
 */
export const MILLICAST_EVENTS = {
  feeds: ['started', 'ended'],
  recordings: ['started', 'completed', 'error', 'deleted'],
  media: ['processing', 'completed', 'errored', 'deleted'],
  transcoder: ['active', 'stopped', 'deleted'],
  viewerConnection: ['viewerattempt', 'firstviewerconnection', 'noactiveviewers'],
} as const;

export type MillicastFamily = keyof typeof MILLICAST_EVENTS;
export type MillicastEventOf<F extends MillicastFamily> = (typeof MILLICAST_EVENTS)[F][number];

const FAMILY_BY_TYPE: Readonly<Record<string, MillicastFamily>> = {
  feeds: 'feeds',
  recordings: 'recordings',
  recording: 'recordings',
  media: 'media',
  transcoder: 'transcoder',
  viewerconnection: 'viewerConnection',
};

export type KnownHook = {
  [F in MillicastFamily]: { family: F; event: MillicastEventOf<F> };
}[MillicastFamily];

/** The documented hook a `type` and `event` name, or null when this version does not know it. */
export function classifyHook(type: string, event: string): KnownHook | null {
  const family = FAMILY_BY_TYPE[type.toLowerCase()];
  if (family === undefined) return null;
  const name = event.toLowerCase();
  const events: readonly string[] = MILLICAST_EVENTS[family];
  return events.includes(name) ? ({ family, event: name } as KnownHook) : null;
}

/** The envelope as sent, with what the mapper needs from it. */
export interface EnvelopeInfo {
  type: string;
  event: string;
  /** Epoch ms (seconds accepted). */
  timestamp: number;
  /** The parsed body exactly as sent, for the timeline. */
  body: Record<string, unknown>;
  /** SHA-256 of the raw body (hex): identifies hooks this version cannot read an id from. */
  bodySha256: string;
}

interface Hook<F extends MillicastFamily, D> {
  family: F;
  event: MillicastEventOf<F>;
  envelope: EnvelopeInfo;
  data: D;
}

export interface ThumbnailMeta {
  streamId: string;
  feedId: string | null;
  tokenId: string | null;
  /** Capture time as sent, epoch ms (seconds accepted). */
  timestamp: number;
  contentType: 'image/jpeg';
}

/** A decoded Millicast delivery: one of the documented hooks, an unknown JSON hook, or a thumbnail. */
export type MillicastPayload =
  | Hook<'feeds', FeedDataDto>
  | Hook<'recordings', RecordingDataDto>
  | Hook<'media', MediaDataDto>
  | Hook<'transcoder', TranscoderDataDto>
  | Hook<'viewerConnection', ViewerConnectionDataDto>
  | { family: 'unknown'; envelope: EnvelopeInfo }
  | { family: 'thumbnail'; meta: ThumbnailMeta; image: Buffer };
