import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDatabaseClients, createLogger, createPool, type Logger } from '@pmd/db';
import { GraphQLError } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { serverConfig, type ServerConfig } from './config.ts';
import type { AppContext, RequestContext } from './context.ts';
import { createFrontDoor } from './door/front-door.ts';
import { WebSocketAdmission } from './door/websocket-admission.ts';
import { coalesceWrites } from './door/websocket-writes.ts';
import { useDatabaseUnavailable } from './errors/use-database-unavailable.ts';
import { GRAPHIQL_ASSETS_PATH, renderGraphiQL, useGraphiQLAssets } from './graphiql.ts';
import { graphiqlOptions } from './graphiql-options.ts';
import { isDashboardBuilt } from './http/dashboard-build.ts';
import { NOT_BUILT_MESSAGE, useDashboard } from './http/dashboard.ts';
import { createNotificationListener } from './live/listener.ts';
import { createMetrics, useSubscriptionGauge } from './observability/metrics.ts';
import { RateLimiter } from './observability/rate-limit.ts';
import { clientAddressOf, requestIdOf, useRequestLog } from './observability/request-log.ts';
import { createTrafficSummary } from './observability/traffic-summary.ts';
import { useCompression } from './plugins/compression.ts';
import { REQUEST_LIMITS, useQueryLimits } from './plugins/limits.ts';
import { useReadReplica } from './plugins/read-replica.ts';
import { useSecurityHeaders } from './plugins/security-headers.ts';
import { useSharedLiveResults } from './plugins/shared-live-results.ts';
import { useTextSafety } from './plugins/text-safety.ts';
import { useInputListVariables } from './plugins/input-list-variables.ts';
import { EVENT_INPUT_TYPE } from './schema/event.ts';
import { createLivePubSub } from './live/pubsub.ts';
import { ReadFreshness } from './replica/freshness.ts';
import { primaryLiveDatabase, StandbyLiveDatabase } from './replica/live-replay.ts';
import { LiveTickers } from './live/ticker.ts';
import { restRoutes } from './rest/index.ts';
import { useRestRoutes } from './rest/router.ts';
import { schema } from './schema/index.ts';
import { clientKeyOf, mayUseGraphQL, scopesOf } from './services/access.ts';
import { RetentionInForce } from './services/retention-in-force.ts';

/**
 * Primary connections of live views with a standby: one for the WAL position of the shared replay check, one more so
 * a computation whose wait ran out does not queue behind it. A lag episode thus cannot take many primary connections.
 */
const LIVE_PRIMARY_POOL_SIZE = 2;

/** What Yoga hands the context factory: an HTTP request, or (graphql-ws) the socket's connection parameters. */
interface InitialContext {
  request?: Request;
  connectionParams?: Record<string, unknown>;
  extra?: { request?: IncomingMessage };
}

export interface BuildAppOptions {
  databaseUrl: string;
  config?: Partial<ServerConfig>;
  log?: Logger;
}

export interface App {
  yoga: ReturnType<typeof createYoga<Record<string, unknown>, RequestContext>>;
  context: AppContext;
  /**
   * Listens on `port` (0 picks a free one), and on `config.dashboardPort` when set, and resolves the API's bound port.
   */
  start(port?: number): Promise<number>;
  /** The bound second port (DASHBOARD_PORT) once started; undefined when there is none. */
  readonly dashboardPort: number | undefined;
  stop(): Promise<void>;
}

export function buildApp(options: BuildAppOptions): App {
  const config = { ...serverConfig(), ...options.config };
  const log = options.log ?? createLogger('server');
  const { db, pool, close } = createDatabaseClients(options.databaseUrl, { max: 20 });
  // Reads go to READ_DATABASE_URL's standby when there is one; ingest, mutations, LISTEN and /health keep the primary.
  const replica = config.readDatabaseUrl ? createDatabaseClients(config.readDatabaseUrl, { max: 20 }) : undefined;
  const readFreshness = replica ? new ReadFreshness(replica.pool) : undefined;
  const pubsub = createLivePubSub();
  const retention = new RetentionInForce({ pool, configured: config.retention, log });
  const metrics = createMetrics(pool, retention, readFreshness);
  // Live views get a small pool of their own: however many there are, ingest, /health and reads keep `pool`. With a
  // standby it reads the standby, and a few primary connections tell how far the standby must have replayed after a
  // NOTIFY (and serve a computation whose wait ran out); LISTEN itself stays on the primary.
  const livePool = createPool(config.readDatabaseUrl ?? options.databaseUrl, {
    max: config.livePoolSize,
    applicationName: 'pmd-live',
  });
  const livePrimaryPool = config.readDatabaseUrl
    ? createPool(options.databaseUrl, { max: LIVE_PRIMARY_POOL_SIZE, applicationName: 'pmd-live-primary' })
    : undefined;
  const liveDatabase = livePrimaryPool
    ? new StandbyLiveDatabase({
        standby: livePool,
        primary: livePrimaryPool,
        waitMs: config.liveReplicaWaitMs,
        log,
        counters: metrics.liveReplica,
      })
    : primaryLiveDatabase(livePool);
  const tickers = new LiveTickers(pubsub, log, { database: liveDatabase, limits: config });
  const trafficSummary = createTrafficSummary({ log, metrics, intervalMs: config.logSummaryIntervalSeconds * 1000 });
  const ingestLimiter =
    config.ingestRateLimit > 0 ? new RateLimiter(config.ingestRateLimit, config.ingestRateBurst) : null;
  const context: AppContext = {
    db,
    pool,
    readDb: replica?.db ?? db,
    readPool: replica?.pool ?? pool,
    pubsub,
    tickers,
    config,
    log,
    metrics,
    ingestLimiter,
    retention,
  };
  const listener = createNotificationListener({
    databaseUrl: options.databaseUrl,
    pubsub,
    log,
    onReconnected: () => {
      metrics.listenReconnects.inc();
      tickers.changedAll();
    },
  });

  const graphqlEndpoint = '/graphql';
  // GET /health is ours (it checks the database); Yoga's own liveness probe moves out of its way.
  const healthCheckEndpoint = '/livez';
  /** Paths the dashboard never answers: the API's own, whatever a browser's Accept header says. */
  const isApiPath = (method: string, pathname: string) =>
    pathname === graphqlEndpoint ||
    pathname === healthCheckEndpoint ||
    pathname.startsWith(GRAPHIQL_ASSETS_PATH) ||
    restRoutes.match(method, pathname).kind === 'route';

  const yoga = createYoga<Record<string, unknown>, RequestContext>({
    schema,
    // Scopes are computed once per request (or per websocket operation) from its token; every log line of a request
    // carries its id (also sent back as x-request-id).
    context: (initial: InitialContext) => {
      const { request } = initial;
      const authorization = request ? request.headers.get('authorization') : initial.connectionParams?.authorization;
      const address = request ? clientAddressOf(request) : (initial.extra?.request?.socket.remoteAddress ?? 'unknown');
      return {
        ...context,
        request,
        connectionAuthorization: request ? undefined : authorization,
        scopes: scopesOf(config, authorization),
        clientKey: clientKeyOf(authorization, address),
        log: request ? log.child({ requestId: requestIdOf(request) }) : log,
      };
    },
    graphqlEndpoint,
    healthCheckEndpoint,
    landingPage: false,
    // Never a stack trace or an internal message in a response, whatever NODE_ENV says (the log has them).
    maskedErrors: { isDev: false },
    cors: { origin: config.corsOrigin, credentials: false },
    graphiql: graphiqlOptions(config),
    renderGraphiQL,
    logging: {
      debug: (...args) => log.debug(args.length === 1 ? args[0] : args),
      info: (...args) => log.info(args.length === 1 ? args[0] : args),
      warn: (...args) => log.warn(args.length === 1 ? args[0] : args),
      error: (...args) => log.error(args.length === 1 ? args[0] : args),
    },
    plugins: [
      useRequestLog(log, metrics, restRoutes, trafficSummary),
      useSecurityHeaders(),
      useGraphiQLAssets(),
      // Before the REST routes: a browser reloading the app's /spend page must get the page, not POST /spend's 405.
      useDashboard({ dir: config.dashboardDir, isApiPath }),
      useRestRoutes(restRoutes, context),
      useQueryLimits(),
      useTextSafety(),
      useInputListVariables([EVENT_INPUT_TYPE]),
      ...(readFreshness ? [useReadReplica(readFreshness)] : []),
      useSharedLiveResults(metrics),
      useSubscriptionGauge(metrics),
      useDatabaseUnavailable(log),
      // Last, so it compresses the response every other plugin has finished with.
      useCompression(),
    ],
  });

  /** The API's listener, then DASHBOARD_PORT's: one app, so both serve the same HTTP and websockets. */
  let servers: Server[] = [];
  let dashboardPort: number | undefined;
  let disposeWs: (() => Promise<void>) | undefined;

  return {
    yoga,
    context,
    async start(port = config.port) {
      tickers.start();
      await context.retention.start();
      await listener.start();
      const frontDoor = createFrontDoor({
        handler: yoga,
        routes: restRoutes,
        config,
        graphqlEndpoint: yoga.graphqlEndpoint,
        log,
      });
      const ports = config.dashboardPort === undefined ? [port] : [port, config.dashboardPort];
      servers = ports.map(() => {
        const server = createServer(frontDoor);
        // Node's defaults hold a request for up to 300 s; headers and bodies must arrive much sooner.
        server.headersTimeout = 10_000;
        server.requestTimeout = REQUEST_LIMITS.bodyTimeoutMs + 5_000;
        return server;
      });
      const admission = new WebSocketAdmission({
        maxConnections: config.wsMaxConnections,
        maxConnectionsPerAddress: config.wsMaxConnectionsPerAddress,
      });
      const wsServer = new WebSocketServer({
        noServer: true,
        path: yoga.graphqlEndpoint,
        maxPayload: REQUEST_LIMITS.maxWebSocketMessageBytes,
        verifyClient: ({ req }, accept) => {
          const address = req.socket.remoteAddress ?? 'unknown';
          const refused = admission.admit(address);
          if (refused) return accept(false, 503, refused);
          req.socket.once('close', () => admission.release(address));
          accept(true);
        },
      });
      // graphql-ws shares Yoga's envelop pipeline (the recipe of yoga's examples/graphql-ws).
      const wsHandle = useServer(
        {
          execute: (args: any) => args.rootValue.execute(args),
          subscribe: (args: any) => args.rootValue.subscribe(args),
          // Without a token that grants a scope the socket is closed at once (4403), not kept open to fail later.
          onConnect: (ctx) => mayUseGraphQL(scopesOf(config, ctx.connectionParams?.authorization)),
          onSubscribe: async (ctx, _id, params) => {
            const {
              schema: envelopedSchema,
              execute,
              subscribe,
              contextFactory,
              parse,
              validate,
            } = yoga.getEnveloped({
              ...ctx,
              req: ctx.extra.request,
              socket: ctx.extra.socket,
              params,
            });
            // A bad operation fails alone: its errors go to its id, and the socket's other operations go on.
            let document;
            try {
              document = parse(params.query);
            } catch (error) {
              return [error instanceof GraphQLError ? error : new GraphQLError('The operation could not be parsed')];
            }
            const errors = validate(envelopedSchema, document);
            if (errors.length) return errors;
            return {
              schema: envelopedSchema,
              operationName: params.operationName,
              document,
              variableValues: params.variables,
              contextValue: await contextFactory(),
              rootValue: { execute, subscribe },
            };
          },
        },
        wsServer,
      );
      disposeWs = async () => {
        await wsHandle.dispose();
        await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      };
      for (const server of servers) {
        // ws checks the path and the admission (verifyClient) itself, as with its `server` option.
        server.on('upgrade', (request, socket, head) =>
          wsServer.handleUpgrade(request, socket, head, (websocket) => {
            coalesceWrites(websocket, socket);
            wsServer.emit('connection', websocket, request);
          }),
        );
      }
      const [bound, dashboardBound] = await Promise.all(servers.map((server, index) => listen(server, ports[index]!)));
      dashboardPort = dashboardBound;
      log.info(
        {
          port: bound,
          graphiql: `http://localhost:${bound}/graphql`,
          dashboard: `http://localhost:${dashboardBound ?? bound}/`,
        },
        'server listening',
      );
      if (!(await isDashboardBuilt(config.dashboardDir))) {
        log.warn({ dashboardDir: config.dashboardDir }, NOT_BUILT_MESSAGE);
      }
      if (!config.ingestToken) log.warn('INGEST_TOKEN is not set: ingest is open to anyone who can reach this port');
      if (!config.readToken) log.warn('READ_TOKEN is not set: reads are open to anyone who can reach this port');
      if (!config.adminToken) {
        log.warn(
          'ADMIN_TOKEN is not set: alert rules and notification channels can be changed by anyone who can reach this port',
        );
      }
      return bound!;
    },
    get dashboardPort() {
      return dashboardPort;
    },
    async stop() {
      await listener.stop();
      tickers.stop();
      context.retention.stop();
      await disposeWs?.();
      await Promise.all(
        servers.map((server) => {
          server.closeAllConnections();
          return new Promise<void>((resolve) => server.close(() => resolve()));
        }),
      );
      servers = [];
      await trafficSummary.stop();
      await close();
      await replica?.close();
      await livePool.end().catch(() => {});
      await livePrimaryPool?.end().catch(() => {});
      log.info('server stopped');
    },
  };
}

/** Listens on `port` on every interface (0: a free one) and resolves the bound port. */
function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve((server.address() as AddressInfo).port));
  });
}
