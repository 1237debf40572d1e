import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from 'src/common/problem.dto';
import { DeliveryListQueryDto, DeliveryPageDto } from 'src/query/deliveries/deliveries.dto';
import { DeliveriesService } from 'src/query/deliveries/deliveries.service';

@ApiTags('deliveries')
@ApiBearerAuth('api-key')
@Controller('api/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @ApiOperation({
    summary: 'Stored deliveries (the inbox), for operators',
    description:
      'Newest first. `status=rejected` lists signed deliveries that failed validation, with the error. ' +
      'Signature headers are left out and bodies are only previewed.',
  })
  @ApiOkResponse({ type: DeliveryPageDto })
  @ApiProblems(400, 401)
  list(@Query() query: DeliveryListQueryDto): Promise<DeliveryPageDto> {
    return this.deliveries.list(query);
  }
}
