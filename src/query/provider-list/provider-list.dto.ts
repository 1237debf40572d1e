import { ApiProperty } from '@nestjs/swagger';

export class ProviderDto {
  @ApiProperty({
    description: 'Its name: the `provider` of resources and filters, the segment of its webhook route.',
    example: 'wms',
  })
  name: string;
}

export class ProviderListDto {
  @ApiProperty({ type: () => [ProviderDto] })
  items: ProviderDto[];
}
