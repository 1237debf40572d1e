import { DetailsPayloadDto } from 'src/providers/wms/dto/error-payload.dto';
import {
  IntermediateResultsPayloadDto,
  MeasurementIdPayloadDto,
  OptionalMeasurementIdPayloadDto,
  PageVisibilityPayloadDto,
} from 'src/providers/wms/dto/measurement-payload.dto';

type PayloadDto = new () => object;

/**
 * The 22 documented WMS events and the payload each carries (seed: "Events" table). `null` = no payload;
 * whatever is sent is still kept on the timeline.
 */
export const WMS_EVENTS = {
  WMS_LOADED: null,
  CONFIGURATION_LOADED: null,
  CAMERA_PERMISSION_GRANTED: null,
  CAMERA_PERMISSION_DENIED: null,
  CAMERA_STARTED: null,
  MEASUREMENT_STARTED: OptionalMeasurementIdPayloadDto,
  MEASUREMENT_CREATED: MeasurementIdPayloadDto,
  INTERMEDIATE_RESULTS: IntermediateResultsPayloadDto,
  SCAN_COMPLETED: MeasurementIdPayloadDto,
  RESULTS_RECEIVED: MeasurementIdPayloadDto,
  REDIRECTING_TO_CALLBACK: OptionalMeasurementIdPayloadDto,
  MEASUREMENT_CANCELED: MeasurementIdPayloadDto,
  CONSTRAINT_VIOLATION: OptionalMeasurementIdPayloadDto,
  PAGE_UNLOADED: OptionalMeasurementIdPayloadDto,
  WEBSOCKET_DISCONNECTED: MeasurementIdPayloadDto,
  WEBSOCKET_RECONNECTED: MeasurementIdPayloadDto,
  WEBSOCKET_RECONNECTION_FAILED: MeasurementIdPayloadDto,
  API_ERROR: OptionalMeasurementIdPayloadDto,
  PAGE_VISIBILITY_CHANGE: PageVisibilityPayloadDto,
  LOW_SNR: DetailsPayloadDto,
  GENERAL_ERROR: DetailsPayloadDto,
} satisfies Record<string, PayloadDto | null>;

export type WmsEventName = keyof typeof WMS_EVENTS;

export function isWmsEvent(name: string): name is WmsEventName {
  return Object.prototype.hasOwnProperty.call(WMS_EVENTS, name);
}
