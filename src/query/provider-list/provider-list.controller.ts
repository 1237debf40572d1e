import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from 'src/common/problem.dto';
import { PROVIDER_NAMES } from 'src/config/provider-registry';
import { ProviderListDto } from 'src/query/provider-list/provider-list.dto';

@ApiTags('providers')
@ApiBearerAuth('api-key')
@Controller('api/providers')
export class ProviderListController {
  @Get()
  @ApiOperation({
    summary: 'The providers this service receives',
    description:
      'Every registered provider, in registration order, in one answer (not paginated): the values every ' +
      '`provider` filter accepts. A provider with no secret configured is listed too (its deliveries are refused).',
  })
  @ApiOkResponse({ type: ProviderListDto })
  @ApiProblems(401)
  list(): ProviderListDto {
    return { items: PROVIDER_NAMES.map((name) => ({ name })) };
  }
}
