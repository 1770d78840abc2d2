import type { FieldSpec, MessageSpec } from '../../src/schema/spec.js';
import { inVersionRange } from '../../src/schema/versions.js';

/**
 * Builds representative values from a message spec for one version: every field that exists in
 * that version gets a random non-default value (tagged fields too, so they are sent); fields
 * absent from the version are left out. Deterministic for a given seed.
 */

export { seededRandom } from '../../../../test-support/seeded-random.js';

const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'uuid', 'string', 'bytes', 'records']);

export function randomMessage(spec: MessageSpec, version: number, random: () => number): Record<string, unknown> {
  return randomStruct(spec.fields, version, random, 0);
}

function randomStruct(fields: readonly FieldSpec[], version: number, random: () => number, depth: number) {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (!inVersionRange(field.versions, version)) continue;
    out[field.name] = randomField(field, version, random, depth);
  }
  return out;
}

function int(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function randomField(field: FieldSpec, version: number, random: () => number, depth: number): unknown {
  const nullable = inVersionRange(field.nullableVersions, version);
  // Nulls where allowed, but not so often that the nested values go untested.
  if (nullable && random() < 0.2) return null;
  const isArray = field.type.startsWith('[]');
  const element = isArray ? field.type.slice(2) : field.type;
  const one = () =>
    PRIMITIVES.has(element)
      ? randomPrimitive(element, field.default, random)
      : randomStruct(field.fields ?? [], version, random, depth + 1);
  if (!isArray) return one();
  // Always at least one element so nested fields are exercised.
  const count = depth > 2 ? 1 : int(random, 1, 3);
  return Array.from({ length: count }, one);
}

function randomPrimitive(type: string, def: unknown, random: () => number): unknown {
  switch (type) {
    case 'bool':
      return def === true ? false : true;
    case 'int8':
      return int(random, 1, 127);
    case 'int16':
      return int(random, 1, 32767);
    case 'uint16':
      return int(random, 1, 65535);
    case 'int32':
      return int(random, 1, 2 ** 31 - 2) * (random() < 0.3 ? -1 : 1);
    case 'uint32':
      return int(random, 1, 2 ** 32 - 1);
    case 'int64':
      return int(random, 1, 2 ** 52) * (random() < 0.3 ? -1 : 1);
    case 'float64':
      return random() * 1e6 + 0.5;
    case 'uuid':
      return Buffer.from(Array.from({ length: 16 }, () => int(random, 0, 255)));
    case 'string':
      return `s${int(random, 0, 1e6)}${random() < 0.2 ? '-é✓' : ''}`;
    case 'bytes':
    case 'records':
      return Buffer.from(Array.from({ length: int(random, 1, 40) }, () => int(random, 0, 255)));
    default:
      throw new Error(`no generator for ${type}`);
  }
}

/** Asserts structurally that `decoded` has every spec field (recursively), in spec order. */
export function fieldNamesInOrder(fields: readonly FieldSpec[], value: unknown, path = ''): string[] {
  const problems: string[] = [];
  if (value === null || typeof value !== 'object') return problems;
  const keys = Object.keys(value as object);
  const expected = fields.map((f) => f.name);
  if (keys.join(',') !== expected.join(',')) problems.push(`${path}: ${keys.join(',')} != ${expected.join(',')}`);
  for (const field of fields) {
    if (!field.fields) continue;
    const child = (value as Record<string, unknown>)[field.name];
    const items = Array.isArray(child) ? child : [child];
    for (const item of items) problems.push(...fieldNamesInOrder(field.fields, item, `${path}.${field.name}`));
  }
  return problems;
}
