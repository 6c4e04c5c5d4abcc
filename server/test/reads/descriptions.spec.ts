import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  isUnionType,
  type GraphQLNamedType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.ts';

/**
 * GraphiQL is the analysts' documentation, so every type, field, argument, enum value and input field of our schema
 * must be described. The walk covers the whole schema, so a new type cannot be forgotten. Left out, because we do not
 * write them: the introspection types (`__Schema`, …) and graphql-js's built-in scalars (`String`, `Int`, …), which
 * carry the spec's own descriptions anyway. Relay's `PageInfo` and the connection/edge types are ours (the Relay plugin
 * takes their descriptions from our options), so they are checked like everything else.
 */
const NOT_OURS = (type: GraphQLNamedType) => isIntrospectionType(type) || isSpecifiedScalarType(type);

function undescribed(): string[] {
  const missing: string[] = [];
  const blank = (text: string | null | undefined) => !text?.trim();
  for (const type of Object.values(schema.getTypeMap())) {
    if (NOT_OURS(type)) continue;
    const { name } = type;
    if (blank(type.description)) missing.push(name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (blank(field.description)) missing.push(`${name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : [])
          if (blank(arg.description)) missing.push(`${name}.${field.name}(${arg.name})`);
      }
    }
    if (isEnumType(type))
      for (const value of type.getValues()) if (blank(value.description)) missing.push(`${name}.${value.name}`);
    if (isUnionType(type) && !type.getTypes().length) missing.push(`${name} (empty union)`);
  }
  return missing;
}

describe('schema descriptions', () => {
  it('describe every type, field, argument, enum value and input field of the whole schema', () => {
    expect(undescribed()).toEqual([]);
  });

  it('walk every type of ours (a schema with none would pass trivially)', () => {
    const ours = Object.values(schema.getTypeMap()).filter((type) => !NOT_OURS(type));
    expect(ours.length).toBeGreaterThan(40);
    expect(ours.map((type) => type.name)).toEqual(expect.arrayContaining(['Query', 'Mutation', 'Subscription']));
  });
});
