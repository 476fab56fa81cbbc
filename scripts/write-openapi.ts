import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { loadConfig } from '../config/app-config';
import { AppModule } from '../src/app.module';
import { configureRouting } from '../src/app.setup';
import { buildOpenApiDocument } from '../src/openapi';

/**
 * Writes the OpenAPI document without starting anything: Nest's preview mode
 * reads the modules and routes but instantiates no provider, so no database or
 * Redis is needed. Run from dist/ (npm run lint:openapi) so the Swagger CLI
 * plugin's DTO metadata is included.
 */
async function main(): Promise<void> {
  const out = process.argv[2] ?? 'openapi.json';
  const config = loadConfig({
    DATABASE_URL: 'postgresql://preview@127.0.0.1:1/preview',
    LOG_LEVEL: 'silent',
  });
  const app = await NestFactory.create(AppModule.forRoot(config), new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  configureRouting(app);
  writeFileSync(out, `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`);
  process.stdout.write(`Wrote ${out}\n`);
}

void main();
