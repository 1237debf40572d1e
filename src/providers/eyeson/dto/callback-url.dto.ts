import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import {
  REFERENCE_MAX_LENGTH,
  REFERENCE_PATTERN,
  REFERENCE_RULE,
} from 'src/providers/eyeson/eyeson-callback-token';

export class CreateCallbackUrlDto {
  @ApiProperty({
    example: 'call-2024-05-01-0042',
    description: `Your id for the call; every event sent to the URL is filed under it. ${REFERENCE_RULE}.`,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(REFERENCE_MAX_LENGTH)
  @Matches(REFERENCE_PATTERN, { message: `reference must be ${REFERENCE_RULE}` })
  reference: string;
}

export class CallbackUrlDto {
  @ApiProperty({
    example: 'https://hooktrail.example.com/webhooks/eyeson/Y2FsbC0y....1767225600.3q2-7wFh...',
    description: 'Give this to Eyeson as data.webhook_url; it is a credential, keep it out of logs.',
  })
  url: string;

  @ApiProperty({ example: 'call-2024-05-01-0042' })
  reference: string;

  @ApiProperty({
    example: '2024-05-08T09:00:00.000Z',
    description: 'After this the URL is refused (401 token-expired); mint a new one for a later call.',
  })
  expiresAt: string;
}

export class RevokeCallbackUrlDto {
  @ApiProperty({
    example: 'https://hooktrail.example.com/webhooks/eyeson/Y2FsbC0y....1767225600.3q2-7wFh...',
    description: 'The callback URL to revoke, as minted.',
  })
  @IsString()
  @MaxLength(2048)
  url: string;
}

export class RevokedCallbackUrlDto {
  @ApiProperty({ example: 'call-2024-05-01-0042' })
  reference: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2024-05-08T09:00:00.000Z',
    description: 'When the URL would have expired anyway; null for a URL minted before URLs expired.',
  })
  expiresAt: string | null;

  @ApiProperty({ example: true })
  revoked: boolean;
}
