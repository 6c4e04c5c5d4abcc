import type { CodegenConfig } from '@graphql-codegen/cli';

const clientDocuments = ['client/src/**/*.{ts,vue}', '!client/src/gql/**'];
const generatorDocuments = ['generator/src/**/*.ts', '!generator/src/gql/**'];

// Typed GraphQL documents for the dashboard and the generator, from the committed server/schema.graphql; and for the
// server, the names of those documents' operations (the only operation names its metrics use as label values).
const config: CodegenConfig = {
  schema: 'server/schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'client/src/gql/': {
      documents: clientDocuments,
      preset: 'client',
      config: { useTypeImports: true, scalars: { DateTime: 'string' }, enumsAsTypes: true },
      presetConfig: { fragmentMasking: { unmaskFunctionName: 'useFragment' } },
    },
    'generator/src/gql/': {
      documents: generatorDocuments,
      preset: 'client',
      config: { useTypeImports: true, scalars: { DateTime: 'string' }, enumsAsTypes: true },
      presetConfig: { fragmentMasking: false },
    },
    'server/src/gql/operation-names.ts': {
      documents: [...clientDocuments, ...generatorDocuments],
      plugins: ['./scripts/codegen/operation-names.mjs'],
    },
  },
};

export default config;
