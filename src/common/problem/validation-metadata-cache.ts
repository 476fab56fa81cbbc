import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Lookup = (
  target: object,
  schema: string,
  always: boolean,
  strictGroups: boolean,
  groups?: string[],
) => ValidationMetadata[];

interface Storage {
  getTargetValidationMetadatas: Lookup;
  groupByPropertyName(metadata: ValidationMetadata[]): Record<string, ValidationMetadata[]>;
  addValidationMetadata(metadata: ValidationMetadata): void;
  memoised?: true;
}

/**
 * class-validator looks a DTO's rules up anew for every object it validates,
 * testing the object's class against every registered class for inheritance:
 * for a body of a hundred nested objects that was the largest single cost of
 * the request. The rules are fixed once the classes are loaded, so the lookup
 * (and its grouping by property) is remembered per class and options, and
 * forgotten whenever a rule is registered. Results are shared, never changed
 * by the validator.
 */
export function memoiseValidationMetadata(): void {
  const storage = getMetadataStorage() as unknown as Storage;
  if (storage.memoised) return;
  storage.memoised = true;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let found = new Map<object, Map<string, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();

  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0000') ?? ''}`;
    let byOptions = found.get(target);
    if (byOptions === undefined) {
      byOptions = new Map();
      found.set(target, byOptions);
    }
    let metadata = byOptions.get(key);
    if (metadata === undefined) {
      metadata = lookup(target, schema, always, strictGroups, groups);
      byOptions.set(key, metadata);
    }
    return metadata;
  };
  storage.groupByPropertyName = (metadata) => {
    let byProperty = grouped.get(metadata);
    if (byProperty === undefined) {
      byProperty = group(metadata);
      grouped.set(metadata, byProperty);
    }
    return byProperty;
  };
  storage.addValidationMetadata = (metadata) => {
    found = new Map();
    grouped = new WeakMap();
    add(metadata);
  };
}
