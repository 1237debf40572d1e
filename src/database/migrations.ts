import { InitialSchema1795517811919 } from '../../migrations/1795517811919-initial-schema';
import { PerculusSeenTokens1795518252048 } from '../../migrations/1795518252048-perculus-seen-tokens';
import { MillicastThumbnails1795518343920 } from '../../migrations/1795518343920-millicast-thumbnails';
import { ProjectionFieldVersions1795519029472 } from '../../migrations/1795519029472-projection-field-versions';
import { DeliveriesUnpurgedIndex1795520215421 } from '../../migrations/1795520215421-deliveries-unpurged-index';
import { EventsRecordedAt1795600000000 } from '../../migrations/1795600000000-events-recorded-at';
import { PerculusSeenTokenBodyHash1796289427352 } from '../../migrations/1796289427352-perculus-seen-token-body-hash';
import { InboxFirst1796289808708 } from '../../migrations/1796289808708-inbox-first';
import { EyesonRevokedCallbackUrls1796290007088 } from '../../migrations/1796290007088-eyeson-revoked-callback-urls';
import { DeliveriesBodySha2561796291237195 } from '../../migrations/1796291237195-deliveries-body-sha256';
import { LeanInboxIndexes1796300000000 } from '../../migrations/1796300000000-lean-inbox-indexes';
import { CachedWritePlans1796300000001 } from '../../migrations/1796300000001-cached-write-plans';
import { TimelineReferencesUnchecked1796300000002 } from '../../migrations/1796300000002-timeline-references-unchecked';
import { StateReferencesUnchecked1796300000003 } from '../../migrations/1796300000003-state-references-unchecked';
import { InboxInsertAsStatement1796300000004 } from '../../migrations/1796300000004-inbox-insert-as-statement';
import { ProjectionMarkingPlannedPerBatch1796300000005 } from '../../migrations/1796300000005-projection-marking-planned-per-batch';

/** Every migration, in order. Listed explicitly so that the app, tests and CLI load the same set. */
export const MIGRATIONS = [
  InitialSchema1795517811919,
  PerculusSeenTokens1795518252048,
  MillicastThumbnails1795518343920,
  ProjectionFieldVersions1795519029472,
  DeliveriesUnpurgedIndex1795520215421,
  EventsRecordedAt1795600000000,
  PerculusSeenTokenBodyHash1796289427352,
  InboxFirst1796289808708,
  EyesonRevokedCallbackUrls1796290007088,
  DeliveriesBodySha2561796291237195,
  LeanInboxIndexes1796300000000,
  CachedWritePlans1796300000001,
  TimelineReferencesUnchecked1796300000002,
  StateReferencesUnchecked1796300000003,
  InboxInsertAsStatement1796300000004,
  ProjectionMarkingPlannedPerBatch1796300000005,
];
