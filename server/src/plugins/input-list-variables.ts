import {
  getOperationAST,
  isEnumType,
  isInputObjectType,
  isNonNullType,
  Kind,
  GraphQLFloat,
  GraphQLString,
  type GraphQLInputObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type TypeNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Batch ingest sends 1,000 input objects in one variable. The executor first snapshots that variable into
 * null-prototype objects, then graphql-js coerces it field by field into more of them (V8 keeps such objects as hash
 * tables): a third of the server's CPU under `bench:ingest` (a), and a good part of its garbage collection. For the
 * input types named here, a list variable is coerced by this plugin instead: a check that accepts only values
 * graphql-js accepts, and returns exactly what graphql-js would (defaults filled in, enum names mapped to their values).
 * Anything else (a wrong type, a missing, null or unknown field, a value that is not a list) is left to graphql-js,
 * which reports it in its own words. The executor then gets an empty list for that variable; the resolver takes the
 * coerced one from `coercedListArgument`. Only flat input types qualify (String, Float and enum fields).
 */
export function useInputListVariables(typeNames: readonly string[]): Plugin {
  const coercers = new WeakMap<GraphQLSchema, Map<string, ListCoercer | null>>();
  const coercerFor = (schema: GraphQLSchema, typeName: string): ListCoercer | null => {
    let bySchema = coercers.get(schema);
    if (!bySchema) coercers.set(schema, (bySchema = new Map()));
    if (!bySchema.has(typeName)) {
      const type = schema.getType(typeName);
      bySchema.set(typeName, isInputObjectType(type) ? listCoercerOf(type) : null);
    }
    return bySchema.get(typeName)!;
  };
  return {
    onExecute({ args, context, setExecuteFn, executeFn }) {
      const variables = args.variableValues;
      if (!variables) return;
      const definitions = getOperationAST(args.document, args.operationName)?.variableDefinitions ?? [];
      let coerced: Map<string, unknown[]> | undefined;
      for (const definition of definitions) {
        const typeName = listItemTypeName(definition.type);
        if (!typeName || !typeNames.includes(typeName)) continue;
        const name = definition.variable.name.value;
        const items = coercerFor(args.schema, typeName)?.(variables[name]);
        if (!items) continue;
        (coerced ??= new Map()).set(name, items);
      }
      if (!coerced) return;
      coercedLists.set(context, coerced);
      const replaced = { ...variables };
      for (const name of coerced.keys()) replaced[name] = [];
      setExecuteFn((executionArgs) => executeFn({ ...executionArgs, variableValues: replaced }));
    },
  };
}

const coercedLists = new WeakMap<object, Map<string, unknown[]>>();

/**
 * The list `useInputListVariables` coerced for this field's `argument`, when the argument is such a variable;
 * undefined otherwise (the argument value graphql-js coerced is then the one to use).
 */
export function coercedListArgument(
  context: object,
  info: GraphQLResolveInfo,
  argument: string,
): unknown[] | undefined {
  const value = info.fieldNodes[0]?.arguments?.find((node) => node.name.value === argument)?.value;
  if (value?.kind !== Kind.VARIABLE) return undefined;
  return coercedLists.get(context)?.get(value.name.value);
}

/** `T` of a variable typed `[T!]` or `[T!]!`. */
function listItemTypeName(type: TypeNode): string | undefined {
  const list = type.kind === Kind.NON_NULL_TYPE ? type.type : type;
  if (list.kind !== Kind.LIST_TYPE || list.type.kind !== Kind.NON_NULL_TYPE) return undefined;
  return list.type.type.kind === Kind.NAMED_TYPE ? list.type.type.name.value : undefined;
}

/** The coerced items, or null when graphql-js must judge the value. */
export type ListCoercer = (value: unknown) => Record<string, unknown>[] | null;

/** A coercer for lists of `type`, or null when `type` has a field this fast path does not handle. */
export function listCoercerOf(type: GraphQLInputObjectType): ListCoercer | null {
  if (type.isOneOf) return null;
  const fields = Object.values(type.getFields()).map((field) => {
    const nonNull = isNonNullType(field.type);
    const named = nonNull ? (field.type as { ofType: unknown }).ofType : field.type;
    let parse: ((value: unknown) => unknown) | null = null;
    if (named === GraphQLString) parse = (value) => (typeof value === 'string' ? value : INVALID);
    else if (named === GraphQLFloat)
      parse = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : INVALID);
    else if (isEnumType(named)) {
      const values = new Map(named.getValues().map((value) => [value.name, value.value]));
      parse = (value) => (typeof value === 'string' && values.has(value) ? values.get(value) : INVALID);
    }
    return { name: field.name, nonNull, defaultValue: field.defaultValue, parse };
  });
  if (fields.some((field) => !field.parse)) return null;
  const names = new Set(fields.map((field) => field.name));
  return (list) => {
    if (!Array.isArray(list)) return null;
    const items: Record<string, unknown>[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
      const input = item as Record<string, unknown>;
      for (const key in input) if (!Object.hasOwn(input, key) || !names.has(key)) return null;
      const coerced: Record<string, unknown> = {};
      for (const field of fields) {
        const value = input[field.name];
        if (value === undefined) {
          if (field.defaultValue !== undefined) coerced[field.name] = field.defaultValue;
          else if (field.nonNull) return null;
          continue;
        }
        if (value === null) {
          if (field.nonNull) return null;
          coerced[field.name] = null;
          continue;
        }
        const parsed = field.parse!(value);
        if (parsed === INVALID) return null;
        coerced[field.name] = parsed;
      }
      items[i] = coerced;
    }
    return items;
  };
}

const INVALID = Symbol('invalid');
