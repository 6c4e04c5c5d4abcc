/** The `importSpend` mutation with every field of its result, as the read and the security tests send it. */
export const IMPORT_SPEND = /* GraphQL */ `
  mutation ($rows: [SpendRowInput!], $csv: String, $timeZone: String) {
    importSpend(rows: $rows, csv: $csv, timeZone: $timeZone) {
      __typename
      ... on SpendImportResult {
        stored
        replaced
        rejected
        timeZone
        errors {
          line
          field
          reason
        }
      }
      ... on InvalidArgumentError {
        message
        argument
      }
    }
  }
`;
