import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresOperate } from 'src/common/api-key.guard';
import { invalidParameter, ProblemException } from 'src/common/problem';
import { ApiProblems } from 'src/common/problem.dto';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import {
  CallbackUrlDto,
  CreateCallbackUrlDto,
  RevokeCallbackUrlDto,
  RevokedCallbackUrlDto,
} from 'src/providers/eyeson/dto/callback-url.dto';
import {
  callbackUrlExpiresAt,
  mintCallbackUrl,
  secretKey,
  tokenOfCallbackUrl,
  verifyCallbackToken,
} from 'src/providers/eyeson/eyeson-callback-token';
import { EyesonRevokedUrls } from 'src/providers/eyeson/eyeson-revoked-urls.service';

/** Mints the signed `webhook_url` a team passes to StreamRec for one call, and revokes one. Needs an `operate` API key. */
@ApiTags('eyeson')
@ApiBearerAuth('api-key')
@RequiresOperate()
@Controller('api/eyeson/callback-urls')
export class EyesonCallbackUrlController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly revoked: EyesonRevokedUrls,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Mint a signed callback URL bound to a reference, valid for EYESON_CALLBACK_URL_TTL_DAYS',
  })
  @ApiCreatedResponse({ type: CallbackUrlDto })
  @ApiProblems(401, 403)
  create(@Body() body: CreateCallbackUrlDto): CallbackUrlDto {
    const eyeson = this.config.providers.eyeson;
    const [secret] = eyeson.secrets;
    if (secret === undefined) {
      throw new ProblemException(
        409,
        'provider-disabled',
        'Provider disabled',
        'EYESON_CALLBACK_SECRETS is not configured, so no callback URL can be minted.',
      );
    }
    const expiresAt = callbackUrlExpiresAt(eyeson.callbackUrlTtlDays);
    return {
      url: mintCallbackUrl(this.config.publicBaseUrl, secret, body.reference, expiresAt),
      reference: body.reference,
      expiresAt: expiresAt.toISOString(),
    };
  }

  @Post('revocations')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revoke one callback URL: its deliveries are refused from now on (401 token-revoked)',
  })
  @ApiOkResponse({ type: RevokedCallbackUrlDto })
  @ApiProblems(401, 403)
  async revoke(@Body() body: RevokeCallbackUrlDto): Promise<RevokedCallbackUrlDto> {
    const token = tokenOfCallbackUrl(body.url);
    const check =
      token === null ? null : verifyCallbackToken(token, this.config.providers.eyeson.secrets.map(secretKey));
    if (token === null || check === null || !check.ok) {
      throw invalidParameter(
        'url',
        'url is not a callback URL minted under a configured EYESON_CALLBACK_SECRETS secret.',
      );
    }
    await this.revoked.revoke(token, check.reference, check.expiresAt);
    return {
      reference: check.reference,
      expiresAt: check.expiresAt?.toISOString() ?? null,
      revoked: true,
    };
  }
}
