import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed GraphQL documents for the dashboard and the generator, from the committed server/schema.graphql.
const config: CodegenConfig = {
  schema: 'server/schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'client/src/gql/': {
      documents: ['client/src/**/*.{ts,vue}', '!client/src/gql/**'],
      preset: 'client',
      config: { useTypeImports: true, scalars: { DateTime: 'string' }, enumsAsTypes: true },
      presetConfig: { fragmentMasking: { unmaskFunctionName: 'useFragment' } },
    },
    'generator/src/gql/': {
      documents: ['generator/src/**/*.ts', '!generator/src/gql/**'],
      preset: 'client',
      config: { useTypeImports: true, scalars: { DateTime: 'string' }, enumsAsTypes: true },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
