import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LoggerService } from '@nestjs/common';
import { systemRandom } from '@bulwark/core';
import type { Clock, Random } from '@bulwark/core';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import type { ClusterRuntime } from './cluster/cluster-runtime.js';
import { installKvFastPath } from './http/kv-fast-path.js';
import { tokenMatches } from './http/operator-token.js';
import { MAX_BODY_BYTES } from './http/validation.js';
import { TransactionsService } from './transactions/transactions-service.js';
import { SagasService } from './sagas/sagas-service.js';
import type { SagasServiceOptions } from './sagas/sagas-service.js';

/** Options of {@link createClusterApp}. */
export interface ClusterAppOptions {
  /** Nest's logger (default none: the member prints only its `ready` line and its errors). */
  readonly logger?: LoggerService | false;
  /**
   * Time of the transactions and sagas (their ticks, retries and deadlines); default the
   * runtime's clock. Tests give them their own, so that driving them never moves Raft's time.
   */
  readonly servicesClock?: Clock;
  /** Randomness of the transactions' backoff and ids (default the system's). */
  readonly random?: Random;
  /** Where the member's two-phase commit participant keeps its log (default `DATA_DIR/<id>/transactions`). */
  readonly transactionsDir?: string;
  /** Where the member's saga orchestrator keeps its log (default `DATA_DIR/<id>/sagas`). */
  readonly sagasDir?: string;
  /** For tests: what the sagas' `?crash=` does (default SIGKILL to this process) and how long `POST /sagas/orders` waits before a 202. */
  readonly sagas?: Pick<SagasServiceOptions, 'crash' | 'replyWithinMs'>;
}

/** Paths only members call: their token is checked before the body parser runs. */
const PEER_PATHS = ['/transactions/messages', '/cluster/commands'];

/** Answers a body the JSON parser refused in the service's error shape, naming the field `body`. */
function bodyErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') return next(error);
  const [status, code, message] =
    type === 'entity.too.large'
      ? [413, 'ETOOLARGE', `the body is over ${MAX_BODY_BYTES} bytes`]
      : type === 'entity.parse.failed'
        ? [400, 'EBADREQUEST', `the body is not valid JSON: ${(error as Error).message}`]
        : type === 'charset.unsupported' || type === 'encoding.unsupported'
          ? [415, 'EUNSUPPORTED', (error as Error).message]
          : [400, 'EBADREQUEST', (error as Error).message];
  if (status === 413) res.setHeader('connection', 'close');
  res.status(status).json({ error: { code, message, field: 'body' } });
}

/**
 * The member's Nest application over `runtime`, not yet listening: the peer endpoint
 * `POST /raft/messages` (core's `createPeerHandler`, ahead of any body parser, since it reads
 * binary frames itself), then a JSON body parser (any content type, at most
 * {@link MAX_BODY_BYTES}; malformed → 400, too big → 413, naming `body`), then the Nest routes,
 * with the member's {@link TransactionsService} (its participant log opened now; its coordinator
 * starts with the app and waits for a leader).
 *
 * @example
 * const app = await createClusterApp(runtime);
 * await app.listen(0, '127.0.0.1');
 */
export async function createClusterApp(runtime: ClusterRuntime, options: ClusterAppOptions = {}): Promise<NestExpressApplication> {
  const clock = options.servicesClock ?? runtime.clock;
  const transactions = new TransactionsService(runtime, { clock, random: options.random ?? systemRandom, dir: options.transactionsDir });
  const sagas = new SagasService(runtime, { ...options.sagas, clock, random: options.random ?? systemRandom, dir: options.sagasDir });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRuntime(runtime, transactions, sagas), new ExpressAdapter(), {
    bodyParser: false,
    logger: options.logger ?? false,
    abortOnError: false,
    // Peers hold keep-alive connections open: close them with the server, or close() waits on them.
    forceCloseConnections: true,
  });
  const server = app.getHttpAdapter().getInstance() as express.Express;
  server.disable('x-powered-by');
  server.set('etag', false); // a SHA-1 of every answer, for caches that never see these

  server.all('/raft/messages', runtime.peerHandler);
  // Peers' streams (GET /raft/messages, upgrade: bulwark-raft/1). Any other upgrade request
  // (upgrade: h2c from curl --http2, say) stays a plain request (Node 24's shouldUpgradeCallback).
  const httpServer = app.getHttpServer() as Server & { shouldUpgradeCallback?: (req: IncomingMessage) => boolean };
  httpServer.shouldUpgradeCallback = (req) => runtime.peerStreams.accepts(req);
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!runtime.peerStreams.handleUpgrade(req, socket, head)) socket.destroy();
  });
  // GET and PUT /kv/:key are answered ahead of Express and Nest, by the same KvApi (kv-fast-path.ts).
  installKvFastPath(httpServer, runtime);
  // The members-only endpoints check the token before any body is read (as /raft/messages does):
  // a stranger's 8 MiB costs no parse. The controllers check it again.
  server.use(PEER_PATHS, (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'POST' && !tokenMatches(req.headers.authorization, runtime.config.token)) {
      res.setHeader('www-authenticate', 'Bearer realm="bulwark-cluster"');
      res.setHeader('connection', 'close');
      res.status(401).json({ error: { code: 'EUNAUTHORIZED', message: 'peer endpoints need authorization: Bearer <CLUSTER_TOKEN>' } });
      return;
    }
    next();
  });
  app.use(express.json({ limit: MAX_BODY_BYTES, type: () => true, strict: false }));
  app.use(bodyErrors);
  return app;
}
