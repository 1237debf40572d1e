import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { PrototypedExpressAdapter } from 'src/common/prototyped-express.adapter';

describe('PrototypedExpressAdapter', () => {
  let server: Server;
  let app: Express;
  const seen: Array<{ request: boolean; response: boolean }> = [];

  beforeAll(async () => {
    const adapter = new PrototypedExpressAdapter();
    adapter.initHttpServer({});
    app = adapter.getInstance<Express>();
    app.get('/hello', (req, res) => {
      res.json({ instanceOfIncoming: req.socket !== undefined, path: req.path });
    });
    server = adapter.getHttpServer();
    // Runs before Express sees the request: what Node's server created, before any re-parenting.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push({
        request: Object.getPrototypeOf(req) === app.request,
        response: Object.getPrototypeOf(res) === app.response,
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("creates each request and response with Express's prototypes, so Express never re-parents them", async () => {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/hello?x=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ instanceOfIncoming: true, path: '/hello' });
    expect(seen).toEqual([{ request: true, response: true }]);
  });
});
