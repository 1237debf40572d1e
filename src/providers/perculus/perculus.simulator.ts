import { perculusEvents, perculusRequest } from '../../../test/support/perculus-sender';
import { matchEvent, ProviderSimulator, SimContext, SimRequest } from 'src/simulator/simulator.types';

/** `<type>.<status>`: every documented message type with every status it can carry. */
const EVENTS = [
  'SessionStatusEvent.started',
  'SessionStatusEvent.finished',
  'SessionReportEvent.ready',
  'SessionReportEvent.failed',
  'SingleVideoEvent.ready',
  'SingleVideoEvent.failed',
] as const;

type PerculusEvent = (typeof EVENTS)[number];

const MINUTE = 60_000;

/** Where Perculus would put a session's video; the URL expires 24 h after sending. */
export const perculusVideoUrl = (sessionId: string, at: number): string =>
  `https://media.perculus.example/videos/${encodeURIComponent(sessionId)}.mp4?expires=${Math.floor(at / 1000) + 86_400}`;

function message(event: PerculusEvent, ctx: SimContext): Record<string, unknown> {
  const session = ctx.session;
  switch (event) {
    case 'SessionStatusEvent.started':
      return perculusEvents.sessionStatus(session, 'started', new Date(ctx.at).toISOString());
    case 'SessionStatusEvent.finished':
      return perculusEvents.sessionStatus(session, 'finished', new Date(ctx.at).toISOString());
    case 'SessionReportEvent.ready':
      return perculusEvents.sessionReport(session, 'ready');
    case 'SessionReportEvent.failed':
      return perculusEvents.sessionReport(
        session,
        'failed',
        'Report could not be generated: no attendance data',
      );
    case 'SingleVideoEvent.ready':
      return perculusEvents.singleVideo(session, 'ready', { video_url: perculusVideoUrl(session, ctx.at) });
    case 'SingleVideoEvent.failed':
      return perculusEvents.singleVideo(session, 'failed', {
        error: 'Video rendering failed: source stream missing',
      });
  }
}

/**
 * A Perculus message with its body token: `<now>|HMAC(secret, now)`, with the algorithm and encoding the
 * service is configured for (PERCULUS_TOKEN_ALGORITHM / PERCULUS_TOKEN_ENCODING). The token is minted at
 * sending time, whatever time the event is about, as Perculus does (one second apart per message, so that
 * several messages a second do not share a token, which the service would refuse as a replay).
 */
export function perculusSimRequest(
  body: Record<string, unknown>,
  ctx: Pick<SimContext, 'secret' | 'env'>,
): SimRequest {
  const algorithm = ctx.env.PERCULUS_TOKEN_ALGORITHM?.toLowerCase() === 'sha1' ? 'sha1' : 'sha256';
  const encoding = ctx.env.PERCULUS_TOKEN_ENCODING?.toLowerCase() === 'base64' ? 'base64' : 'hex';
  return perculusRequest(body, ctx.secret, { algorithm, encoding });
}

export const perculusSimulator: ProviderSimulator = {
  provider: 'perculus',
  secretVariable: 'PERCULUS_WEBHOOK_SECRETS',
  exampleSecret: 'dev-perculus-secret-change-me',
  events: EVENTS,
  sessionMeaning: 'the Perculus session_id',
  build(name, ctx) {
    // A bare type name means its first status (e.g. SessionStatusEvent → SessionStatusEvent.started).
    const full = name.includes('.')
      ? name
      : (EVENTS.find((e) => e.toLowerCase().startsWith(`${name.toLowerCase()}.`)) ?? name);
    const event = matchEvent('perculus', full, EVENTS) as PerculusEvent;
    return perculusSimRequest(message(event, ctx), ctx);
  },
  // 09:00 a Perculus class of 50 minutes; its report and video are ready a little later.
  demo: {
    startHour: 1,
    session: 'class-101',
    steps: ({ session, start, secret, env }) =>
      (
        [
          ['SessionStatusEvent.started', 0],
          ['SessionStatusEvent.finished', 50],
          ['SessionReportEvent.ready', 58],
          ['SingleVideoEvent.ready', 71],
        ] as const
      ).map(([event, minutes]) => ({
        label: `perculus ${event}`,
        request: perculusSimRequest(message(event, { secret, session, at: start + minutes * MINUTE, env }), {
          secret,
          env,
        }),
      })),
    lookAround: (session) => ({
      title: 'the Perculus class and its timeline',
      paths: [
        `/api/sessions/perculus/${encodeURIComponent(session)}`,
        `/api/sessions/perculus/${encodeURIComponent(session)}/events`,
      ],
    }),
  },
};
