import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { GroupsController } from './groups.controller';
import { GroupsService } from './groups.service';

/** Groups: their names, the roles they carry to members, and their members (through the directory). */
@Module({
  imports: [DirectoryModule],
  controllers: [GroupsController],
  providers: [GroupsService],
})
export class GroupsModule {}
