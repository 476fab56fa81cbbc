import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  type LoggerService,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { hostname } from 'node:os';
import pino, { type DestinationStream, type Level, type Logger as Pino } from 'pino';
import { REDACT_PATHS, REDACTED } from './redaction';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export const ACCESS_LOGGER = Symbol('ACCESS_LOGGER');
const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/**
 * Where log lines go: stdout through an asynchronous destination, so that
 * under load one write carries many lines instead of a write per line; pino
 * flushes what is pending when the process exits.
 */
export function stdoutDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

/** The process's logger: JSON lines, secrets redacted from whatever object is logged. */
export function createRootLogger(level: string, destination: DestinationStream): Pino {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: REDACTED } }, destination);
}

/** What the access log records of one answered request (never its headers: they carry credentials). */
export interface AccessEntry {
  id: string;
  method: string;
  url: string;
  remoteAddress: string | null;
  statusCode: number;
  /** Milliseconds, as Fastify measured them. */
  responseTime: number;
}

const INFO = pino.levels.values.info ?? 30;

/**
 * The access log: one line per request, to the root logger's destination and
 * in pino's format (level, time, pid, hostname, the request's fields, msg), at
 * level info. Its lines have one fixed shape, so each is one template string
 * with only the request's own strings escaped: pino's generic walk over the
 * line's objects cost about 12 µs a request, the largest share of Warden's own
 * work on a request that does nothing else (bench/README.md, /health/live).
 *
 * Lines written during one turn of the event loop reach the destination as one
 * write at the end of it: sonic-boom measures the byte length of its whole
 * pending buffer (up to 16 KiB) on every write, which under load cost 3 µs a
 * line, more than building it.
 */
export class AccessLog implements OnApplicationShutdown {
  readonly enabled: boolean;
  private readonly bindings: string;
  private pending = '';
  private flushScheduled = false;

  constructor(
    level: string,
    private readonly destination: DestinationStream,
  ) {
    this.enabled = (pino.levels.values[level] ?? Number.POSITIVE_INFINITY) <= INFO;
    this.bindings = `"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
  }

  write(entry: AccessEntry): void {
    if (!this.enabled) return;
    const address =
      entry.remoteAddress === null ? '' : `,"remoteAddress":${JSON.stringify(entry.remoteAddress)}`;
    this.pending +=
      `{"level":${INFO},"time":${Date.now()},${this.bindings},` +
      `"req":{"id":${JSON.stringify(entry.id)},"method":${JSON.stringify(entry.method)},` +
      `"url":${JSON.stringify(entry.url)}${address}},"res":{"statusCode":${entry.statusCode}},` +
      `"responseTime":${entry.responseTime},"msg":"request completed"}\n`;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Hands the lines gathered so far to the destination. */
  readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.pending === '') return;
    const lines = this.pending;
    this.pending = '';
    this.destination.write(lines);
  };

  /** The last requests' lines, before the destination is flushed on exit. */
  onApplicationShutdown(): void {
    this.flush();
  }
}

/**
 * Nest's logger interface over pino: the context (the class that logs) becomes
 * a field, an object first argument is merged into the line, an Error is logged
 * under `err`, and Nest's own "message, stack" error calls keep their stack.
 */
@Injectable()
export class NestPinoLogger implements LoggerService {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Pino) {}

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    // Nest passes the context last.
    const fields: Record<string, unknown> =
      rest.length > 0 ? { context: rest[rest.length - 1] } : {};
    const params = rest.slice(0, -1);
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, ...(params as []));
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message }, ...(params as []));
    } else if (
      level === 'error' &&
      params.length === 1 &&
      typeof params[0] === 'string' &&
      /\n\s*at /.test(params[0])
    ) {
      const err = Object.assign(new Error(String(message)), { stack: params[0] });
      this.logger.error({ ...fields, err });
    } else {
      this.logger[level](fields, String(message), ...(params as []));
    }
  }
}

/** Provides the root logger and Nest's adapter to every module of a process. */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(level: string, destination?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      providers: [
        { provide: LOG_DESTINATION, useFactory: () => destination ?? stdoutDestination() },
        {
          provide: ROOT_LOGGER,
          inject: [LOG_DESTINATION],
          useFactory: (to: DestinationStream) => createRootLogger(level, to),
        },
        {
          provide: ACCESS_LOGGER,
          inject: [LOG_DESTINATION],
          useFactory: (to: DestinationStream) => new AccessLog(level, to),
        },
        NestPinoLogger,
      ],
      exports: [ROOT_LOGGER, ACCESS_LOGGER, NestPinoLogger],
    };
  }
}
