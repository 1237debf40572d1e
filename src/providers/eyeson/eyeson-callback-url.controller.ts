import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresOperate } from 'src/common/api-key.guard';
import { ProblemException } from 'src/common/problem';
import { ApiProblems } from 'src/common/problem.dto';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { CallbackUrlDto, CreateCallbackUrlDto } from 'src/providers/eyeson/dto/callback-url.dto';
import { mintCallbackUrl } from 'src/providers/eyeson/eyeson-callback-token';

/** Mints the signed `webhook_url` a team passes to StreamRec for one call. Needs an `operate` API key. */
@ApiTags('eyeson')
@ApiBearerAuth('api-key')
@Controller('api/eyeson/callback-urls')
export class EyesonCallbackUrlController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Mint a signed callback URL bound to a reference' })
  @ApiCreatedResponse({ type: CallbackUrlDto })
  @ApiProblems(401, 403)
  @RequiresOperate()
  create(@Body() body: CreateCallbackUrlDto): CallbackUrlDto {
    const [secret] = this.config.providers.eyeson.secrets;
    if (secret === undefined) {
      throw new ProblemException(
        409,
        'provider-disabled',
        'Provider disabled',
        'EYESON_CALLBACK_SECRETS is not configured, so no callback URL can be minted.',
      );
    }
    return {
      url: mintCallbackUrl(this.config.publicBaseUrl, secret, body.reference),
      reference: body.reference,
    };
  }
}
