import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { matrixMarkdown } from '../src/authz/matrix-grid';

/** Writes docs/permissions.md from src/authz/matrix.ts (`npm run docs:permissions`). */
writeFileSync(join(__dirname, '..', 'docs', 'permissions.md'), matrixMarkdown());
process.stdout.write('Wrote docs/permissions.md\n');
