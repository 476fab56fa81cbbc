import { Entity, MikroORM, Property } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import {
  OrganizationOwnedEntity,
  TENANT_FILTER,
} from '../../src/infra/database/organization-owned.entity';
import { Organization } from '../../src/tenancy/organization.entity';
import { createTestDatabase, dropTestDatabase } from '../support/test-database';

/** A minimal organization-owned table, declared the way every feature module declares its own. */
@Entity({ tableName: 'tenancy_probe_widgets' })
class Widget extends OrganizationOwnedEntity {
  @Property({ type: 'string' })
  label!: string;
}

describe('Tenant filter on organization-owned entities', () => {
  let orm: MikroORM;
  let databaseName: string;
  let acme: Organization;
  let globex: Organization;

  beforeAll(async () => {
    const database = await createTestDatabase();
    databaseName = database.name;
    orm = await MikroORM.init({
      driver: PostgreSqlDriver,
      clientUrl: database.url,
      entities: [Organization, Widget],
      allowGlobalContext: false,
    });
    await orm.schema.createSchema();
    const em = orm.em.fork();
    acme = em.create(Organization, { slug: 'acme', name: 'Acme' });
    globex = em.create(Organization, { slug: 'globex', name: 'Globex' });
    em.create(Widget, { organizationId: acme.id, label: 'acme-1' });
    em.create(Widget, { organizationId: acme.id, label: 'acme-2' });
    em.create(Widget, { organizationId: globex.id, label: 'globex-1' });
    await em.flush();
  });
  afterAll(async () => {
    await orm.close(true);
    await dropTestDatabase(databaseName);
  });

  it('scopes every query to the organization set on the request', async () => {
    const em = orm.em.fork();
    em.setFilterParams(TENANT_FILTER, { organizationId: acme.id });
    const labels = (await em.find(Widget, {}, { orderBy: { label: 'asc' } })).map((w) => w.label);
    expect(labels).toEqual(['acme-1', 'acme-2']);
    expect(await em.count(Widget)).toBe(2);
  });

  it('never returns another organization’s row, even by id', async () => {
    const other = await orm.em
      .fork()
      .findOneOrFail(
        Widget,
        { label: 'globex-1' },
        { filters: { [TENANT_FILTER]: { organizationId: globex.id } } },
      );
    const em = orm.em.fork();
    em.setFilterParams(TENANT_FILTER, { organizationId: acme.id });
    expect(await em.findOne(Widget, { id: other.id })).toBeNull();
  });

  it('refuses to query at all when no organization is given (fails closed)', async () => {
    await expect(orm.em.fork().find(Widget, {})).rejects.toThrow(
      /No arguments provided for filter 'tenant'/,
    );
  });
});
