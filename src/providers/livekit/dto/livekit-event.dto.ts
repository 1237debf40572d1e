import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/**
 * A LiveKit `WebhookEvent` as its server posts it: protobuf JSON (camelCase names, 64-bit integers as
 * decimal strings, enums by name). The whole body is checked against the protocol's own schema
 * (`WebhookEvent.fromJson` of the official SDK); this class checks what the service relies on and documents it.
 */
export class LivekitEventDto {
  @ApiProperty({
    example: 'participant_joined',
    description: 'The event name, e.g. room_started, egress_ended.',
  })
  @IsString()
  @Matches(/^[a-z][a-z_]{0,63}$/, { message: 'event must be a lower-case event name such as room_started' })
  event: string;

  @ApiProperty({ example: 'EV_3Xq7bUjbn5yC', description: 'Unique per event: the idempotency key.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  id: string;

  @ApiProperty({ example: '1764756000', description: 'When the event happened, Unix seconds (as a string).' })
  @IsString()
  @Matches(/^[1-9]\d{0,10}$/, { message: 'createdAt must be Unix seconds' })
  createdAt: string;

  @ApiPropertyOptional({ example: { sid: 'RM_hycBMAjmt6Ub', name: 'standup', creationTime: '1764756000' } })
  @IsOptional()
  @IsObject()
  room?: LivekitRoom;

  @ApiPropertyOptional({ example: { sid: 'PA_xvkqkzP3Z5Kk', identity: 'alice', joinedAt: '1764756003' } })
  @IsOptional()
  @IsObject()
  participant?: LivekitParticipant;

  @ApiPropertyOptional({ example: { sid: 'TR_AMkSpL9H5vDk', type: 'AUDIO', source: 'MICROPHONE' } })
  @IsOptional()
  @IsObject()
  track?: Record<string, unknown> & { sid?: string };

  @ApiPropertyOptional({
    example: { egressId: 'EG_6AbwrAv2f4cP', roomId: 'RM_hycBMAjmt6Ub', status: 'EGRESS_ACTIVE' },
  })
  @IsOptional()
  @IsObject()
  egressInfo?: LivekitEgressInfo;

  @ApiPropertyOptional({
    example: { ingressId: 'IN_3bmJq6fvHnCQ', roomName: 'standup', state: { status: 'ENDPOINT_PUBLISHING' } },
  })
  @IsOptional()
  @IsObject()
  ingressInfo?: LivekitIngressInfo;
}

// The parts of LiveKit's messages the mapper reads (names and types as in @livekit/protocol's JSON form).

export interface LivekitRoom {
  sid?: string;
  name?: string;
  creationTime?: string;
  metadata?: string;
}

export interface LivekitParticipant {
  sid?: string;
  identity?: string;
  name?: string;
  joinedAt?: string;
  kind?: string;
  state?: string;
  disconnectReason?: string;
}

export interface LivekitFileResult {
  filename?: string;
  location?: string;
  /** Nanoseconds. */
  startedAt?: string;
  endedAt?: string;
  duration?: string;
  size?: string;
}

export interface LivekitEgressInfo {
  egressId?: string;
  roomId?: string;
  roomName?: string;
  status?: string;
  /** Nanoseconds. */
  startedAt?: string;
  endedAt?: string;
  updatedAt?: string;
  error?: string;
  errorCode?: number;
  details?: string;
  roomComposite?: object;
  web?: object;
  participant?: object;
  trackComposite?: object;
  track?: object;
  fileResults?: LivekitFileResult[];
  streamResults?: object[];
  segmentResults?: object[];
  imageResults?: object[];
}

export interface LivekitIngressInfo {
  ingressId?: string;
  name?: string;
  inputType?: string;
  roomName?: string;
  participantIdentity?: string;
  state?: {
    status?: string;
    error?: string;
    roomId?: string;
    /** Nanoseconds. */
    startedAt?: string;
    endedAt?: string;
  };
}
