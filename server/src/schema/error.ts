import { builder } from '../builder.ts';

/**
 * Expected failures a client handles are typed results (`Result | SomeError`), found by `__typename`; everything
 * unexpected is thrown and masked by Yoga. Every error class here is also a GraphQL type implementing `Error`.
 */
export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'A failure the client is expected to handle (bad argument, unknown id, …).',
  fields: (t) => ({ message: t.exposeString('message', { description: 'What went wrong, for people.' }) }),
});

export class NotFoundError extends Error {
  constructor(
    message: string,
    readonly resource: string,
    readonly id: string,
  ) {
    super(message);
    this.name = 'NotFoundError';
  }
}

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The id named no existing record.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    resource: t.exposeString('resource', { description: 'Kind of record looked for, e.g. `Alert`.' }),
    id: t.exposeString('id', { description: 'The id that matched nothing.' }),
  }),
});

export class InvalidArgumentError extends Error {
  constructor(
    message: string,
    readonly argument: string,
  ) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}

builder.objectType(InvalidArgumentError, {
  name: 'InvalidArgumentError',
  description: 'An argument was out of range or inconsistent (e.g. a window longer than 90 days).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ argument: t.exposeString('argument', { description: 'The offending argument.' }) }),
});
