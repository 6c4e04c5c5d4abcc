import { builder } from '../builder.ts';
import { InvalidArgumentError, NotFoundError } from '../services/errors.ts';

// The classes live with the services that throw them; re-exported so schema files import their errors from here.
export { InvalidArgumentError, NotFoundError };

/**
 * Expected failures a client handles are typed results (`Result | SomeError`), found by `__typename`; everything
 * unexpected is thrown and masked by Yoga. Every domain error class (services/errors.ts) is also a GraphQL type implementing `Error`.
 */
export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'A failure the client is expected to handle (bad argument, unknown id, …).',
  fields: (t) => ({ message: t.exposeString('message', { description: 'What went wrong, for people.' }) }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The id named no existing record.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    resource: t.exposeString('resource', { description: 'Kind of record looked for, e.g. `Alert`.' }),
    id: t.exposeString('id', { description: 'The id that matched nothing.' }),
  }),
});

builder.objectType(InvalidArgumentError, {
  name: 'InvalidArgumentError',
  description: 'An argument was out of range or inconsistent (e.g. a window longer than 90 days).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ argument: t.exposeString('argument', { description: 'The offending argument.' }) }),
});
