import { createServer } from 'node:net';
import { StartupError } from './startup-error'; // relative: loaded by the tests' global set-up too

/**
 * Refuses to go on when `port` is taken, naming the variable that moves it. Checked before anything is
 * started or stopped, so a second start never disturbs the first.
 */
export function assertPortFree(port: number, host: string, what: string, variable: string): Promise<void> {
  if (port === 0) return Promise.resolve(); // any free port
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new StartupError(
              `${what} port ${port} is in use (another Hooktrail?): stop it, or set ${variable}`,
            )
          : new StartupError(
              `cannot listen on ${host}:${port} for ${what} (${err.code ?? err.message}): check ${variable}`,
            ),
      ),
    );
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}
