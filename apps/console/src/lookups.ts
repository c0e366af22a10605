import { client, ok } from "./api";
import { useData } from "./hooks";

/** The tenant's agents by id, for naming them in tables and offering them in filters. */
export function useAgents() {
  return useData(async (signal) => ok(await client.GET("/api/v1/agents", { params: { query: { size: 500 } }, signal })).data, []);
}

/** The newest campaigns, for the calls filter. */
export function useCampaignChoices() {
  return useData(async (signal) => ok(await client.GET("/api/v1/calls/campaigns", { params: { query: { size: 100 } }, signal })).data, []);
}

export function nameOf(list: { id: string; name: string | null }[] | undefined, id: string | null | undefined): string {
  if (!id) return "—";
  return list?.find((x) => x.id === id)?.name ?? id.slice(0, 8);
}

/** The contact policy as the API states it (purposes, hours, caps, reason codes); it changes rarely. */
export function usePolicySettings() {
  return useData(async (signal) => ok(await client.GET("/api/v1/contact-policy", { signal })), []);
}
