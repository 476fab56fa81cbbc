import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher';

/** argon2id hashing shared by sign-in and user management. */
@Module({ providers: [PasswordHasher], exports: [PasswordHasher] })
export class PasswordModule {}
