import {
  eyesonEvents,
  eyesonPath,
  eyesonRequest,
  eyesonToken,
  pathOfUrl,
} from '../../../test/support/eyeson-sender';
import { stableHex } from 'src/simulator/stable-id';
import { matchEvent, ProviderSimulator, SimContext, SimRequest } from 'src/simulator/simulator.types';

const EVENTS = ['upload_ready', 'upload_failed', 'session_finished', 'supervisor_session_finished'] as const;
type EyesonEvent = (typeof EVENTS)[number];

const iso = (ms: number): string => new Date(ms).toISOString();

/** The recording of a call (stable, so separate sends about one reference agree). */
export const eyesonRecordingId = (reference: string): string =>
  `rec-${stableHex(12, 'eyeson-rec', reference)}`;

/** The call's StreamRec body for `event`, the call having ended at `ctx.at` after ten minutes. */
function body(event: EyesonEvent, ctx: SimContext): Record<string, unknown> {
  const recId = eyesonRecordingId(ctx.session);
  const start = ctx.at - 610_000;
  switch (event) {
    case 'upload_ready':
      return eyesonEvents.uploadReady(recId, {
        recording_started_at: iso(start + 5_000),
        recording_first_frame_written_at: iso(start + 5_420),
        recording_first_peerframe_captured_at: iso(start + 5_180),
        recording_stopped_at: iso(start + 605_000),
      });
    case 'upload_failed':
      return eyesonEvents.uploadFailed(recId, 503);
    case 'session_finished':
      return eyesonEvents.sessionFinished(recId, { started_at: iso(start), stopped_at: iso(ctx.at) });
    case 'supervisor_session_finished':
      return eyesonEvents.supervisorSessionFinished(`sup-${stableHex(10, 'eyeson-sup', ctx.session)}`, {
        agent_session_id: `agent-${stableHex(10, 'eyeson-agent', ctx.session)}`,
        started_at: iso(start + 120_000),
        stopped_at: iso(start + 420_000),
      });
  }
}

/**
 * StreamRec signs nothing: the request goes to the callback URL the service minted for the call. By default
 * the path is computed from the callback secret exactly as the service mints it; the demo mints it through
 * POST /api/eyeson/callback-urls instead.
 */
export function eyesonSimRequest(
  payload: Record<string, unknown>,
  ctx: SimContext & { callbackPath?: string },
): SimRequest {
  const path = ctx.callbackPath ?? eyesonPath(eyesonToken(ctx.session, ctx.secret));
  return eyesonRequest(path, payload);
}

export const eyesonSimulator: ProviderSimulator = {
  provider: 'eyeson',
  secretVariable: 'EYESON_CALLBACK_SECRETS',
  exampleSecret: 'dev-eyeson-callback-secret-change-me',
  events: EVENTS,
  sessionMeaning: 'the callback-URL reference of the call',
  build(name, ctx) {
    const event = matchEvent('eyeson', name, EVENTS) as EyesonEvent;
    return eyesonSimRequest(body(event, ctx), ctx);
  },
  displayPath: (path) => path.replace(/\/webhooks\/eyeson\/.+/, '/webhooks/eyeson/<token>'),
  // 17:00 a recorded support call of ten minutes; a supervisor listened in for five.
  demo: {
    startHour: 8,
    session: 'call-42',
    async steps({ session, start, secret, env, postApi }) {
      // StreamRec signs nothing: the service mints the callback URL StreamRec will call, as a team would.
      const minted = await postApi('/api/eyeson/callback-urls', { reference: session });
      const url = minted.json?.url;
      if (minted.status !== 201 || typeof url !== 'string') {
        throw new Error(`minting an Eyeson callback URL failed: ${minted.status} ${minted.text}`);
      }
      const ctx = { secret, session, at: start + 10 * 60_000, env, callbackPath: pathOfUrl(url) };
      return (['upload_ready', 'supervisor_session_finished', 'session_finished'] as const).map((event) => ({
        label: `eyeson ${event}`,
        request: eyesonSimRequest(body(event, ctx), ctx),
      }));
    },
    lookAround: (session) => ({
      title: 'the Eyeson call, its recording and the supervisor session',
      paths: [`/api/sessions/eyeson/${encodeURIComponent(session)}`, '/api/recordings?provider=eyeson'],
    }),
  },
};
