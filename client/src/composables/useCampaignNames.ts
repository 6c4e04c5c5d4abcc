import { useQuery } from '@urql/vue';
import { computed } from 'vue';
import { graphql } from '@/gql';

const CampaignNamesQuery = graphql(/* GraphQL */ `
  query CampaignNames {
    campaigns {
      campaignId
      name
    }
  }
`);

/**
 * The catalog's names of campaigns, for every place that shows a campaign (events carry only its id). One document:
 * components using it at once share one request, and a renaming mutation (its answer is a `Campaign`) makes urql
 * re-read it. A campaign the catalog does not know yet (its first event arrived after the read) shows its id.
 */
export function useCampaignNames() {
  const result = useQuery({ query: CampaignNamesQuery, requestPolicy: 'cache-and-network' });
  const names = computed(
    () => new Map((result.data.value?.campaigns ?? []).map((campaign) => [campaign.campaignId, campaign.name])),
  );
  return {
    names,
    nameOf: (campaignId: string): string => names.value.get(campaignId) ?? campaignId,
    refresh: () => result.executeQuery({ requestPolicy: 'network-only' }),
  };
}
