import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database-unavailable.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5', 'ECONNREFUSED')],
    ['admin shutdown', withCode('terminating connection due to administrator command', '57P01')],
    ['starting up', withCode('the database system is starting up', '57P03')],
    ['connection failure', withCode('connection failure', '08006')],
    ['cannot establish', withCode('could not connect', '08001')],
    ['pg connection cut under a query', new Error('Connection terminated unexpectedly')],
    ['dead pooled client', new Error('Client has encountered a connection error and is not queryable')],
    ['AggregateError of refusals', Object.assign(new AggregateError([withCode('refused', 'ECONNREFUSED')], ''), {})],
    ['wrapped in a GraphQLError', new GraphQLError('x', { originalError: withCode('refused', 'ECONNREFUSED') })],
    ['as a cause', new Error('query failed', { cause: withCode('refused', 'ECONNREFUSED') })],
    ['Prisma, unreachable', Object.assign(new Error("Can't reach database server"), { code: 'P1001' })],
    [
      'Prisma driver adapter error',
      Object.assign(new Error('x'), {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } },
      }),
    ],
  ])('%s: yes', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['unique violation', withCode('duplicate key value', '23505')],
    ['syntax error', withCode('syntax error at or near', '42601')],
    ['plain bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s: no', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
