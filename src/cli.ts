import { MikroORM } from '@mikro-orm/postgresql';
import { ClsService } from 'nestjs-cls';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createWriteStream } from 'node:fs';
import { userInfo } from 'node:os';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { loadConfig } from '../config/app-config';
import { baseOrmOptions, embeddedDatabaseUrl } from '../config/mikro-orm.config';
import { framed } from './audit/audit-export.service';
import { auditCopySql, auditWhereSql, type ExportFormat } from './audit/audit-export.sql';
import { AuditChainVerifier } from './audit/audit-verifier.service';
import { AuditService } from './audit/audit.service';
import { SystemClock } from './common/clock/clock';

const USAGE = `Usage (Warden operators' CLI):

  npm run warden -- audit:export --org <slug> [--from <ISO date>] [--to <ISO date>]
                                 [--format csv|ndjson|json] [--out <file>]
      Streams the organization's audit events (oldest first) to a file or stdout,
      with progress on stderr. The export is recorded in the trail.
  npm run warden -- audit:verify --org <slug> [--from <ISO date>] [--to <ISO date>]
      Recomputes the hash chain; prints { valid, checked, firstInvalid } and
      exits 0 when valid, 2 when not.

Needs DATABASE_URL (or a running \`npm start\` with its embedded PostgreSQL).`;

class UsageError extends Error {}

interface Options {
  org: string;
  from?: string;
  to?: string;
  format: ExportFormat;
  out?: string;
}

function options(args: string[]): Options {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      org: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string', default: 'csv' },
      out: { type: 'string' },
    },
  });
  if (values.org === undefined) throw new UsageError('--org <slug> is required');
  for (const name of ['from', 'to'] as const) {
    const value = values[name];
    if (value !== undefined && Number.isNaN(Date.parse(value)))
      throw new UsageError(`--${name} is not a date: ${value}`);
  }
  if (!['csv', 'ndjson', 'json'].includes(values.format))
    throw new UsageError(`--format must be csv, ndjson or json, not ${values.format}`);
  return { ...values, org: values.org, format: values.format as ExportFormat };
}

/** A bar redrawn in place on a terminal; a plain line per 10% otherwise (logs, CI). */
class Progress {
  private shownStep = -1;

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream,
  ) {}

  update(done: number): void {
    done = Math.min(done, this.total); // a JSON array's closing line is not an event
    const ratio = this.total === 0 ? 1 : done / this.total;
    if (this.stream.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      this.stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(ratio * 100)}% ` +
          `${done.toLocaleString('en')}/${this.total.toLocaleString('en')} events`,
      );
      return;
    }
    const step = Math.floor(ratio * 10);
    if (step > this.shownStep) {
      this.shownStep = step;
      this.stream.write(`exported ${done}/${this.total} events (${step * 10}%)\n`);
    }
  }

  end(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}

/** Counts events (lines) passing through, less the CSV header or the JSON array's opening line. */
function counting(format: ExportFormat, onCount: (events: number) => void): Transform {
  let lines = format === 'ndjson' ? 0 : -1;
  return new Transform({
    transform(chunk: Buffer | string, _encoding, callback) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (const byte of buffer) if (byte === 0x0a) lines += 1;
      onCount(Math.max(lines, 0));
      callback(null, chunk);
    },
  });
}

async function run(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command !== 'audit:export' && command !== 'audit:verify') {
    throw new UsageError(
      command === undefined ? 'a command is required' : `unknown command ${command}`,
    );
  }
  const opts = options(args);
  const config = loadConfig();
  const url = config.databaseUrl ?? embeddedDatabaseUrl(config.dataDir);
  if (url === undefined)
    throw new UsageError('set DATABASE_URL, or start the API once with `npm start`');
  const orm = await MikroORM.init({
    ...baseOrmOptions(url, 2),
    discovery: { warnWhenNoEntities: false },
  });
  try {
    const em = orm.em.fork();
    const [organization] = await em
      .getConnection()
      .execute<Array<{ id: string }>>('select id from organizations where slug = ?', [opts.org]);
    if (organization === undefined) throw new UsageError(`no organization with slug "${opts.org}"`);
    const range = { from: opts.from, to: opts.to };

    if (command === 'audit:verify') {
      const result = await new AuditChainVerifier(em).verify(organization.id, range);
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return result.valid ? 0 : 2;
    }

    const filters = range;
    const where = auditWhereSql(organization.id, filters);
    const audit = new AuditService(new ClsService(new AsyncLocalStorage()), new SystemClock(), em);
    await em.transactional((tx) =>
      audit.record(tx, {
        organizationId: organization.id,
        actor: { type: 'system', id: null, username: `cli:${userInfo().username}` },
        action: 'auditEvent.exported',
        target: { type: 'AuditEvent', id: null },
        changes: { export: { format: opts.format, ...filters, via: 'cli' } },
      }),
    );
    const [counted] = await em
      .getConnection()
      .execute<Array<{ count: string }>>(
        `select count(*) as count from audit_events where ${where}`,
      );
    const progress = new Progress(Number(counted?.count ?? 0), process.stderr);
    progress.update(0);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const copy = client.query(copyTo(auditCopySql(opts.format, where)));
      const out: Writable = opts.out ? createWriteStream(opts.out) : process.stdout;
      await pipeline(
        Readable.from(framed(copy, opts.format, () => undefined)),
        counting(opts.format, (events) => progress.update(events)),
        out,
      );
    } finally {
      progress.end();
      await client.end();
    }
    return 0;
  } finally {
    await orm.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
      process.exit(64);
    }
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
