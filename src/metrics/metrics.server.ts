import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROBLEM_CONTENT_TYPE, ProblemCode, problemType } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { BearerCredentials } from 'src/metrics/metrics-auth.guard';
import { MetricsService } from 'src/metrics/metrics.service';

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host.startsWith('127.');

/**
 * `/metrics` on a port of its own (METRICS_PORT), for deployments that keep the scrape off the public
 * listener. Open unless METRICS_TOKEN is set: the port is meant to be reachable only by the scraper, and
 * binds to loopback unless METRICS_HOST names another interface.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private readonly credentials: BearerCredentials;
  private server?: Server;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.credentials = new BearerCredentials(config.metrics.tokens);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.config.metrics;
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.logger.error(`metrics scrape failed: ${(err as Error).message}`);
        if (!res.headersSent) this.problem(res, 500, 'internal-error', 'Internal error');
        else res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`metrics are served on ${host}:${this.address()?.port}/metrics`);
    if (this.config.metrics.tokens.length === 0 && !isLoopback(host)) {
      this.logger.warn(`metrics on ${host} are open to anyone who can reach it: set METRICS_TOKEN`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return this.problem(res, 404, 'not-found', 'Not found');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return this.problem(res, 405, 'method-not-allowed', 'Method not allowed');
    if (!this.credentials.empty && !this.credentials.matches(req.headers.authorization))
      return this.problem(res, 401, 'unauthorized', 'Unauthorized');
    const body = await this.metrics.render();
    res.writeHead(200, { 'Content-Type': this.metrics.contentType, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private problem(res: ServerResponse, status: number, code: ProblemCode, title: string): void {
    res.writeHead(status, { 'Content-Type': PROBLEM_CONTENT_TYPE });
    res.end(JSON.stringify({ type: problemType(code), title, status, code }));
  }
}
