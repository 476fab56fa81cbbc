import { MikroORM } from '@mikro-orm/postgresql';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
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
import {
  AuditKeyring,
  CheckpointSigner,
  type Ed25519Jwk,
  type SignedCheckpoint,
} from './audit/audit-keys';
import { AuditChainVerifier } from './audit/audit-verifier.service';
import { verifyExport } from './audit/offline-verifier';
import { resolveAuditKeys } from './infra/dev-services/dev-services';
import { AuditService } from './audit/audit.service';
import { SystemClock } from './common/clock/clock';

const USAGE = `Usage (Warden operators' CLI):

  npm run warden -- audit:export --org <slug> [--from <ISO date>] [--to <ISO date>]
                                 [--format csv|ndjson|json] [--out <file>]
      Streams the organization's audit events (oldest first) to a file or stdout,
      with progress on stderr. The export is recorded in the trail.
  npm run warden -- audit:verify --org <slug> [--from <ISO date>] [--to <ISO date>]
      Recomputes the hash chain, its MACs and its signed checkpoints; prints
      { valid, checked, firstInvalid, checkpoint } and exits 0 when valid, 2 when not.
  npm run warden -- audit:verify --file <export.ndjson> --checkpoint <checkpoint.json>
                                 --public-key <key.jwk>
      Offline, for auditors: verifies an NDJSON or JSON export against a signed
      checkpoint with the published key alone (no database, no secret).

The database commands need DATABASE_URL (or a running \`npm start\` with its
embedded PostgreSQL) and the audit keys (AUDIT_CHAIN_KEY, AUDIT_SIGNING_KEY, or
the ones \`npm start\` generated under DATA_DIR).`;

class UsageError extends Error {}

interface Options {
  org?: string;
  file?: string;
  checkpoint?: string;
  publicKey?: string;
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
      file: { type: 'string' },
      checkpoint: { type: 'string' },
      'public-key': { type: 'string' },
    },
  });
  const offline = [values.file, values.checkpoint, values['public-key']];
  if (offline.some((value) => value !== undefined)) {
    if (offline.some((value) => value === undefined))
      throw new UsageError('--file, --checkpoint and --public-key go together');
  } else if (values.org === undefined) {
    throw new UsageError('--org <slug> is required');
  }
  for (const name of ['from', 'to'] as const) {
    const value = values[name];
    if (value !== undefined && Number.isNaN(Date.parse(value)))
      throw new UsageError(`--${name} is not a date: ${value}`);
  }
  if (!['csv', 'ndjson', 'json'].includes(values.format))
    throw new UsageError(`--format must be csv, ndjson or json, not ${values.format}`);
  return {
    ...values,
    publicKey: values['public-key'],
    format: values.format as ExportFormat,
  };
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

async function readJson<T>(file: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    throw new UsageError(`${what} ${file} is not readable JSON: ${(error as Error).message}`);
  }
}

/** audit:verify --file: an export against a signed checkpoint, with nothing but the files. */
async function verifyOffline(opts: Options): Promise<number> {
  const checkpoint = await readJson<SignedCheckpoint>(opts.checkpoint ?? '', 'checkpoint');
  const publicKey = await readJson<Ed25519Jwk>(opts.publicKey ?? '', 'public key');
  const lines = createInterface({ input: createReadStream(opts.file ?? ''), crlfDelay: Infinity });
  const result = await verifyExport(lines, checkpoint, publicKey);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.valid ? 0 : 2;
}

async function run(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command !== 'audit:export' && command !== 'audit:verify') {
    throw new UsageError(
      command === undefined ? 'a command is required' : `unknown command ${command}`,
    );
  }
  const opts = options(args);
  if (command === 'audit:verify' && opts.file !== undefined) return verifyOffline(opts);
  const config = loadConfig();
  const keys = await resolveAuditKeys(config);
  const keyring = new AuditKeyring(keys.chainKey ?? '', keys.previousChainKeys);
  const signer = new CheckpointSigner(keys.signingKey ?? '');
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
    if (organization === undefined)
      throw new UsageError(`no organization with slug "${opts.org ?? ''}"`);
    const range = { from: opts.from, to: opts.to };

    if (command === 'audit:verify') {
      const result = await new AuditChainVerifier(em, keyring, signer.publicJwk()).verify(
        organization.id,
        range,
      );
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return result.valid ? 0 : 2;
    }

    const filters = range;
    const where = auditWhereSql(organization.id, filters);
    const audit = new AuditService(new SystemClock(), em, keyring);
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
