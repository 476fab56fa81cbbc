import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { OutboxMessage } from './outbox-message.entity';
import { OutboxService } from './outbox.service';

@Module({
  imports: [MikroOrmModule.forFeature([OutboxMessage])],
  providers: [OutboxService],
  exports: [OutboxService],
})
export class OutboxModule {}
