import { isObjectType, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.ts';

const SCOPES = new Set(['reader', 'ingester', 'admin']);

/** The scopes a field declares through `authScopes` (Pothos keeps a field's options in its extensions). */
function declaredScopes(type: GraphQLObjectType, fieldName: string): string[] {
  const extensions = type.getFields()[fieldName]?.extensions as { pothosOptions?: { authScopes?: object } };
  return Object.keys(extensions?.pothosOptions?.authScopes ?? {});
}

describe('authorization is declared on the schema, deny by default', () => {
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(isObjectType);

  it('every root field of Query, Mutation and Subscription states its scope', () => {
    const fields = roots.flatMap((type) => Object.keys(type.getFields()).map((name) => ({ type, name })));
    expect(fields.length).toBeGreaterThan(15);
    const undeclared = fields
      .filter(({ type, name }) => {
        const scopes = declaredScopes(type, name);
        return scopes.length === 0 || !scopes.every((scope) => SCOPES.has(scope));
      })
      .map(({ type, name }) => `${type.name}.${name}`);
    expect(undeclared).toEqual([]);
  });

  it('ingest and spend imports need the ingester scope, channel, rule and campaign changes the admin scope, and everything else the reader scope', () => {
    const mutation = schema.getMutationType()!;
    expect(declaredScopes(mutation, 'ingestEvents')).toEqual(['ingester']);
    expect(declaredScopes(mutation, 'ingestEvent')).toEqual(['ingester']);
    expect(declaredScopes(mutation, 'importSpend')).toEqual(['ingester']);
    for (const name of ['acknowledgeAlert', 'snoozeAlert', 'createAlertSilence', 'expireAlertSilence']) {
      expect(declaredScopes(mutation, name), name).toEqual(['reader']);
    }
    for (const name of [
      'createNotificationChannel',
      'updateNotificationChannel',
      'deleteNotificationChannel',
      'sendTestNotification',
      'createAlertRule',
      'updateAlertRule',
      'setAlertRuleEnabled',
      'deleteAlertRule',
      'updateCampaign',
    ]) {
      expect(declaredScopes(mutation, name), name).toEqual(['admin']);
    }
    for (const type of [schema.getQueryType()!, schema.getSubscriptionType()!])
      for (const name of Object.keys(type.getFields())) expect(declaredScopes(type, name), name).toEqual(['reader']);
  });
});
