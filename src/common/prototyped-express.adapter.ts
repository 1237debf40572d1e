import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import express from 'express';

/**
 * Nest's Express adapter, except that the HTTP server creates each request and response with Express's
 * prototypes (`app.request`, `app.response`) from the start.
 *
 * Express otherwise re-parents both objects on every request (`Object.setPrototypeOf` in `app.handle`).
 * V8 then moves them to new hidden classes and most property loads on them miss their inline caches, in
 * Express, in Nest and in Node's own HTTP code. On a 2-core VM that is more than half of the CPU of a small
 * request (measured: a bare Express 5 "hello" went from ~370 to ~170 µs of CPU per request). With the
 * prototypes already in place Express's `setPrototypeOf` is a no-op; nothing else changes (both objects
 * are still `IncomingMessage` / `ServerResponse` instances, constructed by Node as usual).
 */
export class PrototypedExpressAdapter extends ExpressAdapter {
  constructor(instance = express()) {
    super(instance);
  }

  override initHttpServer(options: NestApplicationOptions): void {
    if (options?.httpsOptions || options?.forceCloseConnections) {
      super.initHttpServer(options); // options this service does not use: Nest's own server
      return;
    }
    const app = this.getInstance<express.Express>();
    this.httpServer = createServer(
      {
        IncomingMessage: expressRequestClass(app),
        ServerResponse: expressResponseClass(app),
      },
      app,
    );
  }
}

/** A constructor Node's server can use for requests: IncomingMessage's, with the app's request prototype. */
function expressRequestClass(app: express.Express): typeof IncomingMessage {
  function ExpressRequest(this: IncomingMessage, ...args: ConstructorParameters<typeof IncomingMessage>) {
    IncomingMessage.apply(this, args);
  }
  ExpressRequest.prototype = app.request;
  return ExpressRequest as unknown as typeof IncomingMessage;
}

/** The same for responses: ServerResponse's constructor, with the app's response prototype. */
function expressResponseClass(app: express.Express): typeof ServerResponse {
  function ExpressResponse(this: ServerResponse, ...args: ConstructorParameters<typeof ServerResponse>) {
    ServerResponse.apply(this, args);
  }
  ExpressResponse.prototype = app.response;
  return ExpressResponse as unknown as typeof ServerResponse;
}
