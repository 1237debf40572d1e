import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

/** Events about one measurement: `{ "measurementId": "..." }`. */
export class MeasurementIdPayloadDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  measurementId: string;
}

/** Events that name a measurement only if one was created by then. */
export class OptionalMeasurementIdPayloadDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  measurementId?: string;
}

/** INTERMEDIATE_RESULTS: `{ "measurementId": "...", "snr": 100, "sequence": 1 }`. */
export class IntermediateResultsPayloadDto extends MeasurementIdPayloadDto {
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1_000_000)
  @Max(1_000_000)
  snr: number;

  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  sequence: number;
}

/** PAGE_VISIBILITY_CHANGE: `{ "measurementId": "...", "state": "VISIBLE" }`. */
export class PageVisibilityPayloadDto extends OptionalMeasurementIdPayloadDto {
  @IsString()
  @IsIn(['VISIBLE', 'HIDDEN'])
  state: string;
}
