import { Module } from '@nestjs/common';
import { QueuesController } from './queues.controller';
import { QueuesService } from './queues.service';

/** Queue health for administrators (GET /api/v1/queues). */
@Module({ controllers: [QueuesController], providers: [QueuesService] })
export class QueuesModule {}
