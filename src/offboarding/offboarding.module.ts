import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ApplicationsModule } from '../applications/applications.module';
import { DirectoryModule } from '../directory/directory.module';
import { UserExportController } from './user-export.controller';
import { UserExportService } from './user-export.service';

/** Offboarding: one user's whole footprint across features, as one document. */
@Module({
  imports: [DirectoryModule, ApiKeysModule, ApplicationsModule],
  controllers: [UserExportController],
  providers: [UserExportService],
})
export class OffboardingModule {}
