import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The console's own files: plain ES modules, no build step (copied next to the compiled code by nest build). */
export const CONSOLE_PUBLIC_DIR = join(__dirname, 'public');

/**
 * The npm packages the console loads in the browser, each from its own published ES-module build: URL
 * prefix under /console/vendor -> the package folder it is served from (only these files are reachable).
 */
export const VENDOR_FILES: Record<string, string[]> = {
  preact: ['dist/preact.module.js', 'hooks/dist/hooks.module.js'],
  htm: ['dist/htm.module.js'],
  uplot: ['dist/uPlot.esm.js', 'dist/uPlot.min.css'],
};

/** The installed folder of package `name` (not every package exports its package.json). */
function packageDir(name: string): string {
  const entry = require.resolve(name);
  const marker = join('node_modules', name);
  return entry.slice(0, entry.lastIndexOf(marker) + marker.length);
}

/** SHA-256 CSP source of the page's inline import map: the one inline script allowed, by hash. */
export function importMapHash(html: string): string {
  const match = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error('console index.html has no import map');
  return `'sha256-${createHash('sha256').update(match[1]).digest('base64')}'`;
}

/**
 * Serves the console at /console: its pages and the vendor modules, all from this service (no CDN), under
 * a strict Content-Security-Policy (scripts only from here plus the import map by hash; no inline script,
 * no eval; images from here or blob: for thumbnails fetched with the key). The console holds the API key in
 * sessionStorage and sends it as a Bearer header; it never puts it in a URL.
 */
export function serveConsole(app: NestExpressApplication): void {
  const index = readFileSync(join(CONSOLE_PUBLIC_DIR, 'index.html'), 'utf8');
  const csp = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", importMapHash(index)],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const router = express.Router();
  router.use(csp);
  const sendIndex = (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(index);
  };
  router.get('/', sendIndex);
  for (const [name, files] of Object.entries(VENDOR_FILES)) {
    const root = packageDir(name);
    for (const file of files) {
      router.get(`/vendor/${name}/${file}`, (_req: Request, res: Response, next: NextFunction) =>
        res.sendFile(join(root, file), { maxAge: '1h' }, (err) => err && next(err)),
      );
    }
  }
  router.use(express.static(CONSOLE_PUBLIC_DIR, { index: false, maxAge: 0 }));
  app.use('/console', router);
}
