import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { AppConfig } from '../../config/app-config';
import { asSubject, AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { ProblemException } from '../common/problem/problem';
import { TenancyService } from '../tenancy/tenancy.service';
import {
  type AuditFilters,
  auditCopySql,
  auditWhereSql,
  type ExportFormat,
} from './audit-export.sql';
import { actorOf, AuditService } from './audit.service';

const OPEN_ARRAY = Buffer.from('[\n');

export const AUDIT_EXPORT_POOL = Symbol('AUDIT_EXPORT_POOL');

/** Connections for exports only: a long export never takes a connection from the API's pool. */
export function createExportPool(config: AppConfig): Pool {
  const pool = new Pool({
    connectionString: config.databaseUrl,
    max: config.auditExportConcurrency,
    // How long an export waits for a free slot before the caller gets 503.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  const logger = new Logger('AuditExport');
  pool.on('error', (error) => logger.warn(`Idle export connection failed: ${error.message}`));
  return pool;
}

export interface AuditExport {
  filename: string;
  contentType: string;
  body: Readable;
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/**
 * Streams an organization's audit events as CSV, NDJSON or one JSON array.
 * PostgreSQL formats the rows (COPY ... TO STDOUT) and the bytes are piped to
 * the response: memory stays constant whatever the range, and a slow client
 * slows the COPY down instead of filling a buffer.
 */
@Injectable()
export class AuditExportService {
  constructor(
    @Inject(AUDIT_EXPORT_POOL) private readonly pool: Pool,
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly organizations: TenancyService,
    private readonly clock: Clock,
  ) {}

  async open(
    principal: Principal,
    format: ExportFormat,
    filters: AuditFilters,
  ): Promise<AuditExport> {
    await this.authz.assert(
      principal,
      'export',
      asSubject('AuditEvent', { organizationId: principal.organizationId }),
    );
    const organization = await this.organizations.findById(principal.organizationId);
    const client = await this.pool.connect().catch((error: Error) => {
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        `No export can start now (${error.message}). Try again shortly.`,
        { type: 'dependency-unavailable', headers: { 'retry-after': '10' } },
      );
    });
    try {
      // The export is itself on the record, before any row leaves.
      await this.em.transactional((tx) =>
        this.audit.record(tx, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'auditEvent.exported',
          target: { type: 'AuditEvent', id: null },
          changes: { export: { format, ...filters } },
        }),
      );
    } catch (error) {
      client.release();
      throw error;
    }
    const copy = client.query(
      copyTo(auditCopySql(format, auditWhereSql(principal.organizationId, filters))),
    );
    const chunks = framed(copy, format, (failed) => client.release(failed || undefined));
    // Wait for the first bytes, so a failing query is a problem document, not a cut-off 200.
    const first = await chunks.next();
    return {
      filename: this.filename(organization?.slug ?? principal.organizationId, format, filters),
      contentType: CONTENT_TYPES[format],
      body: Readable.from(resumed(first, chunks)),
    };
  }

  private filename(slug: string, format: ExportFormat, filters: AuditFilters): string {
    const day = (iso: string) => iso.slice(0, 10);
    const from = filters.from ? day(new Date(filters.from).toISOString()) : 'start';
    const to = day((filters.to ? new Date(filters.to) : this.clock.now()).toISOString());
    return `audit-events-${slug}-${from}-to-${to}.${format}`;
  }
}

/**
 * The COPY's bytes, framed for the format. Iterating applies back-pressure.
 * `done(failed)` runs once: failed when the consumer stopped early (the client
 * went away) or the query failed, so the caller closes the connection rather
 * than reuse it mid-COPY, which also ends the query.
 */
export async function* framed(
  copy: Readable,
  format: ExportFormat,
  done: (failed: boolean) => void,
): AsyncGenerator<Buffer | string> {
  let finished = false;
  try {
    // A JSON array opens with the first rows, so the first step waits for the query.
    let opened = format !== 'json';
    for await (const chunk of copy) {
      yield opened ? (chunk as Buffer) : Buffer.concat([OPEN_ARRAY, chunk as Buffer]);
      opened = true;
    }
    if (format === 'json') yield opened ? ']\n' : '[\n]\n';
    finished = true;
  } finally {
    done(!finished);
  }
}

/** The rest of an iteration whose first step was taken already. */
async function* resumed<T>(first: IteratorResult<T>, rest: AsyncGenerator<T>): AsyncGenerator<T> {
  if (first.done === true) return;
  yield first.value;
  yield* rest;
}
