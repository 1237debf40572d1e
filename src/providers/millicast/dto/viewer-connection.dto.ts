import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** `viewerConnection` `viewerAttempt` / `firstViewerConnection` / `noActiveViewers`. */
export class ViewerConnectionDataDto {
  /** `accountId/streamName`. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  streamId: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  accountId?: string;
}
