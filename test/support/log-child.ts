/** Child process for test/logging.e2e-spec.ts: logs one line through the real logger configuration. */
import { createLogger } from 'src/common/logger';
import { loadConfig } from 'src/config/app-config';
import 'src/providers/providers';

const logger = createLogger(loadConfig(process.env));
logger.info({ provider: 'wms', token: 'child-secret-token' }, 'hello from the child');
logger.flush();
