import { createHmac } from 'node:crypto';

/**
 * Builds Eyeson StreamRec webhooks as StreamRec sends them: a flat JSON POST (Content-Type:
 * application/json, no signature) to the `webhook_url` the client gave it, which is one of our signed
 * callback URLs. The token is computed here independently of the app's code, from the documented scheme:
 *   base64url(reference) "." expires "." base64url(HMAC-SHA256(secret,
 *     "hooktrail/eyeson-callback/v2\n" + reference + "\n" + expires))
 * with `expires` in Unix seconds.
 */
export const EYESON_TOKEN_CONTEXT = 'hooktrail/eyeson-callback/v2\n';

/** Seven days from when this module was loaded: the service's default lifetime of a minted URL. */
const WEEK_AHEAD = Math.floor(Date.now() / 1000) + 7 * 86_400;

export function eyesonToken(reference: string, secret: string, expires: number = WEEK_AHEAD): string {
  const mac = createHmac('sha256', secret)
    .update(`${EYESON_TOKEN_CONTEXT}${reference}\n${expires}`)
    .digest('base64url');
  return `${Buffer.from(reference).toString('base64url')}.${expires}.${mac}`;
}

/** A token minted before callback URLs expired (scheme version 1, no expiry). */
export function legacyEyesonToken(reference: string, secret: string): string {
  const mac = createHmac('sha256', secret)
    .update('hooktrail/eyeson-callback/v1\n' + reference)
    .digest('base64url');
  return `${Buffer.from(reference).toString('base64url')}.${mac}`;
}

export const eyesonPath = (token: string): string => `/webhooks/eyeson/${token}`;

/** The path of a minted URL (tests send it to the app under test, whatever host the URL names). */
export const pathOfUrl = (url: string): string => new URL(url).pathname;

export interface EyesonRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The request StreamRec makes for `payload` to the callback URL path `path`. */
export function eyesonRequest(path: string, payload: Record<string, unknown> | string): EyesonRequest {
  return {
    path,
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'streamrec' },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  };
}

/** The token with the character at `index` replaced by another base64url character. */
export function changeCharAt(token: string, index: number): string {
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

const T0 = Date.parse('2024-05-01T12:00:00.000Z');
export const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

/** The four documented events of one recorded call, with the fields the seed documents. */
export const eyesonEvents = {
  uploadReady: (recId: string, extra: Record<string, unknown> = {}) => ({
    status: 'upload_ready',
    msg: 'Upload successful',
    rec_id: recId,
    client_id: 'client-agent-12',
    recording_started_at: at(5),
    recording_first_frame_written_at: at(5.42),
    recording_first_peerframe_captured_at: at(5.18),
    recording_stopped_at: at(605),
    recording_file_duration_ms: 599_580,
    recording_file_size_bytes: 73_400_320,
    ...extra,
  }),
  uploadFailed: (recId: string, uploadStatusCode = 503, extra: Record<string, unknown> = {}) => ({
    status: 'upload_failed',
    msg: 'Upload failed',
    rec_id: recId,
    client_id: 'client-agent-12',
    upload_status_code: uploadStatusCode,
    ...extra,
  }),
  sessionFinished: (recId: string, extra: Record<string, unknown> = {}) => ({
    status: 'session_finished',
    msg: 'Session finished',
    rec_id: recId,
    client_id: 'client-agent-12',
    started_at: at(0),
    stopped_at: at(610),
    ...extra,
  }),
  supervisorSessionFinished: (supervisorSessionId: string, extra: Record<string, unknown> = {}) => ({
    status: 'supervisor_session_finished',
    supervisor_session_id: supervisorSessionId,
    supervisor_client_id: 'client-supervisor-3',
    agent_session_id: 'agent-session-55',
    agent_client_id: 'client-agent-12',
    started_at: at(120),
    stopped_at: at(420),
    ...extra,
  }),
};
