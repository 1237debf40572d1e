import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from 'src/common/problem.dto';
import {
  DeliveryDto,
  DeliveryListQueryDto,
  DeliveryPageDto,
  DeliveryPathDto,
} from 'src/query/deliveries/deliveries.dto';
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

  @Get(':id')
  @ApiOperation({
    summary: 'One stored delivery: has it been projected yet?',
    description:
      'The id is the `deliveryId` a webhook was answered with (for a duplicate, the original). A 2xx to the ' +
      'sender means stored; the timeline and state include the delivery once its status is `projected` ' +
      '(normally within milliseconds). Poll this until the status is no longer `pending`.',
  })
  @ApiOkResponse({ type: DeliveryDto })
  @ApiProblems(400, 401, 404)
  get(@Param() path: DeliveryPathDto): Promise<DeliveryDto> {
    return this.deliveries.get(path.id);
  }
}
