import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsIsoDateTime } from 'src/providers/eyeson/dto/iso-date-time';
import { EyesonEventDto, IsEyesonId } from 'src/providers/eyeson/dto/eyeson-event.dto';

/** Sent to the `webhook_url` of `session_start` when the session finished. It carries no session id. */
export class SessionFinishedDto extends EyesonEventDto {
  @ApiPropertyOptional({ example: 'rec-7f3a', description: 'Affected recording.' })
  @IsOptional()
  @IsEyesonId()
  rec_id?: string | null;

  @ApiPropertyOptional({ example: 'client-agent-12' })
  @IsOptional()
  @IsEyesonId()
  client_id?: string | null;

  @ApiProperty({ example: '2024-05-01T11:59:58.000Z' })
  @IsIsoDateTime()
  started_at: string;

  @ApiProperty({ example: '2024-05-01T12:10:02.000Z' })
  @IsIsoDateTime()
  stopped_at: string;
}

/** Sent to the `webhook_url` of `supervisor_join_session` when the supervisor session finished. */
export class SupervisorSessionFinishedDto extends EyesonEventDto {
  @ApiProperty({ example: 'sup-session-91' })
  @IsEyesonId()
  supervisor_session_id: string;

  @ApiPropertyOptional({ example: 'client-supervisor-3' })
  @IsOptional()
  @IsEyesonId()
  supervisor_client_id?: string | null;

  @ApiPropertyOptional({
    example: 'agent-session-55',
    description: "Eyeson's id of the agent session joined.",
  })
  @IsOptional()
  @IsEyesonId()
  agent_session_id?: string | null;

  @ApiPropertyOptional({ example: 'client-agent-12' })
  @IsOptional()
  @IsEyesonId()
  agent_client_id?: string | null;

  @ApiProperty({ example: '2024-05-01T12:03:00.000Z' })
  @IsIsoDateTime()
  started_at: string;

  @ApiProperty({ example: '2024-05-01T12:08:00.000Z' })
  @IsIsoDateTime()
  stopped_at: string;
}
