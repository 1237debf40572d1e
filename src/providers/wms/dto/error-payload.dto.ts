import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** LOW_SNR and GENERAL_ERROR: `{ "details": "CAMERA_START_ERROR" }` (a measurement id is kept if sent). */
export class DetailsPayloadDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  details: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  measurementId?: string;
}
