import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_DEFINITIONS } from '@sluice/protocol';
import type { FieldSpec, MessageSpec } from '../../src/schema/spec.js';
import { parseVersionRange } from '../../src/schema/versions.js';

/**
 * Every request and response spec against Kafka's own JSON schema (../shared/kafka-protocol/message):
 * each field of every version we can encode must exist upstream with the same versions,
 * nullability, tag and type, and the message's flexible versions must agree. This is what makes
 * the flexible (compact, tagged) encodings right field by field, not just in the samples below.
 */
const MESSAGE_DIR = new URL('../../../../../shared/kafka-protocol/message/', import.meta.url);

interface UpstreamField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  flexibleVersions?: string;
  fields?: UpstreamField[];
}

interface UpstreamMessage {
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: UpstreamField[];
  commonStructs?: UpstreamField[];
}

function loadUpstream(name: string): UpstreamMessage {
  const text = readFileSync(new URL(`${name}.json`, MESSAGE_DIR), 'utf8');
  // The schemas carry // comments, which JSON.parse refuses.
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')) as UpstreamMessage;
}

const camel = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

/** "3+" within the codec's valid versions, as a set of version numbers. */
function versionSet(range: string | undefined, maxVersion: number): number[] {
  const { min, max } = parseVersionRange(range);
  const out: number[] = [];
  for (let v = min; v <= Math.min(max, maxVersion); v++) out.push(v);
  return out;
}

/** Upstream types name common structs; resolve their fields. */
function structFieldsOf(field: UpstreamField, common: ReadonlyMap<string, UpstreamField[]>): UpstreamField[] | undefined {
  if (field.fields !== undefined) return field.fields;
  const element = field.type.startsWith('[]') ? field.type.slice(2) : field.type;
  return common.get(element);
}

function compareFields(
  ours: readonly FieldSpec[],
  theirs: readonly UpstreamField[],
  validMax: number,
  validMin: number,
  common: ReadonlyMap<string, UpstreamField[]>,
  path: string,
  problems: string[],
): void {
  const byName = new Map(theirs.map((f) => [camel(f.name), f]));
  for (const field of ours) {
    const up = byName.get(field.name);
    const fieldPath = `${path}.${field.name}`;
    if (up === undefined) {
      problems.push(`${fieldPath}: not in the upstream schema`);
      continue;
    }
    byName.delete(field.name);
    const same = (what: string, a: string | undefined, b: string | undefined): void => {
      const va = versionSet(a, validMax).filter((v) => v >= validMin).join(',');
      const vb = versionSet(b, validMax).filter((v) => v >= validMin).join(',');
      if (va !== vb) problems.push(`${fieldPath}: ${what} ${a ?? 'none'} here, ${b ?? 'none'} upstream`);
    };
    same('versions', field.versions, up.versions);
    same('nullableVersions', field.nullableVersions, up.nullableVersions);
    same('taggedVersions', field.taggedVersions, up.taggedVersions);
    if (up.taggedVersions !== undefined && field.tag !== up.tag) problems.push(`${fieldPath}: tag ${field.tag} here, ${up.tag} upstream`);
    if (up.flexibleVersions !== undefined) same('flexibleVersions', field.flexibleVersions, up.flexibleVersions);
    const ourArray = field.type.startsWith('[]');
    const upArray = up.type.startsWith('[]');
    if (ourArray !== upArray) problems.push(`${fieldPath}: array ${ourArray} here, ${upArray} upstream`);
    const upFields = structFieldsOf(up, common);
    if (field.fields !== undefined && upFields !== undefined) {
      compareFields(field.fields, upFields, validMax, validMin, common, fieldPath, problems);
    } else if (field.fields === undefined && upFields === undefined) {
      const ourType = ourArray ? field.type.slice(2) : field.type;
      const upType = upArray ? up.type.slice(2) : up.type;
      if (ourType !== upType) problems.push(`${fieldPath}: type ${field.type} here, ${up.type} upstream`);
    } else {
      problems.push(`${fieldPath}: struct here ${field.fields !== undefined}, upstream ${upFields !== undefined}`);
    }
  }
  for (const [name, up] of byName) {
    // A field upstream that lives only outside our versions is fine; one inside them is missing.
    const inside = versionSet(up.versions, validMax).some((v) => v >= validMin);
    if (inside) problems.push(`${path}.${name}: upstream field ${up.name} (${up.versions}) missing here`);
  }
}

function compareMessage(spec: MessageSpec): string[] {
  const upstream = loadUpstream(spec.name);
  const problems: string[] = [];
  const valid = parseVersionRange(spec.validVersions);
  const upValid = parseVersionRange(upstream.validVersions);
  if (valid.max > upValid.max) problems.push(`${spec.name}: valid up to ${valid.max}, upstream only ${upValid.max}`);
  const flexible = versionSet(spec.flexibleVersions, valid.max).join(',');
  const upFlexible = versionSet(upstream.flexibleVersions, valid.max).join(',');
  if (flexible !== upFlexible) problems.push(`${spec.name}: flexibleVersions ${spec.flexibleVersions}, upstream ${upstream.flexibleVersions}`);
  const common = new Map((upstream.commonStructs ?? []).map((s) => [s.name, s.fields ?? []]));
  compareFields(spec.fields, upstream.fields, valid.max, valid.min, common, spec.name, problems);
  return problems;
}

describe('every API spec matches the upstream Kafka JSON schema in all its valid versions', () => {
  for (const api of API_DEFINITIONS.values()) {
    it(`${api.name} (key ${api.apiKey}): request and response fields, versions, nullability, tags`, () => {
      expect(compareMessage(api.requestSpec)).toEqual([]);
      expect(compareMessage(api.responseSpec)).toEqual([]);
    });

    it(`${api.name}: the first flexible version agrees with the schema's flexibleVersions`, () => {
      const upstream = loadUpstream(api.requestSpec.name);
      const { min } = parseVersionRange(upstream.flexibleVersions);
      expect(api.flexibleFrom).toBe(Number.isFinite(min) && min <= parseVersionRange(upstream.validVersions).max ? min : Infinity);
    });
  }
});
