/**
 * Nest's own floor: a Nest application on the Fastify adapter with one
 * controller that returns Warden's liveness JSON, and nothing else (no global
 * prefix, versioning, guards, pipes, filters, hooks or headers). Between the
 * bare Fastify route and Warden's GET /health/live, it shows how much of the
 * gap is Nest's router pipeline and how much is Warden's own per-request work.
 * Run by bench/run.ts as a process of its own.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class LiveController {
  @Get('live')
  live(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({ controllers: [LiveController] })
class FloorModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    FloorModule,
    new FastifyAdapter({ logger: false, skipMiddie: true }),
    { logger: false, bodyParser: false },
  );
  await app.listen(Number(process.env.PORT ?? 3902), '127.0.0.1');
  process.send?.('ready');
  process.on('SIGTERM', () => void app.close());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
