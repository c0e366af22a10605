import { describe, expect, it } from "vitest";
import { createSwitchboardClient, followCampaign, ok, SwitchboardError } from "../src";

/** A fetch that records each request and answers from `answer`. */
function fakeFetch(answer: (request: Request, n: number) => Response) {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request.clone());
    return answer(request, requests.length);
  };
  return { fetch, requests };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const byStatus = (counts: Partial<Record<string, number>>) =>
  Object.fromEntries(
    ["scheduled", "queued", "initiating", "dialing", "in-progress", "summarizing", "awaiting-retry", "completed", "failed", "canceled"].map((s) => [s, counts[s] ?? 0]),
  );

describe("createSwitchboardClient", () => {
  it("sends the API key and builds typed paths under the base URL", async () => {
    const { fetch, requests } = fakeFetch(() => json({ id: "c1", status: "queued" }));
    const client = createSwitchboardClient({ baseUrl: "https://sb.example/", apiKey: "sb_key", fetch });
    await client.GET("/api/v1/calls/{callId}", { params: { path: { callId: "c1" } } });
    expect(requests[0]!.url).toBe("https://sb.example/api/v1/calls/c1");
    expect(requests[0]!.headers.get("X-API-Key")).toBe("sb_key");
    expect(requests[0]!.headers.get("Authorization")).toBeNull();
  });

  it("sends the admin token as a bearer token, and extra headers", async () => {
    const { fetch, requests } = fakeFetch(() => json({ data: [], pagination: {} }));
    const client = createSwitchboardClient({ baseUrl: "https://sb.example", adminToken: "adm", headers: { "X-Extra": "1" }, fetch });
    await client.GET("/admin/tenants");
    expect(requests[0]!.headers.get("Authorization")).toBe("Bearer adm");
    expect(requests[0]!.headers.get("X-Extra")).toBe("1");
  });

  it("ok() returns the data, or throws the error envelope's message with its status", async () => {
    const answers = [json({ id: "c1" }), json({ success: false, error: { status: 404, message: "Call not found" } }, 404)];
    const { fetch } = fakeFetch((_, n) => answers[n - 1]!);
    const client = createSwitchboardClient({ baseUrl: "https://sb.example", apiKey: "k", fetch });
    expect(ok(await client.GET("/api/v1/calls/{callId}", { params: { path: { callId: "c1" } } }))).toEqual({ id: "c1" });
    const failure = await client.GET("/api/v1/calls/{callId}", { params: { path: { callId: "nope" } } });
    expect(() => ok(failure)).toThrow(SwitchboardError);
    expect(() => ok(failure)).toThrow("Call not found");
    try {
      ok(failure);
    } catch (error) {
      expect((error as SwitchboardError).status).toBe(404);
    }
  });
});

describe("followCampaign", () => {
  it("yields the campaign until no call is left unfinished", async () => {
    const progress = [
      { total: 3, byStatus: byStatus({ queued: 2, "in-progress": 1 }) },
      { total: 3, byStatus: byStatus({ completed: 1, "in-progress": 2 }) },
      { total: 3, byStatus: byStatus({ completed: 2, failed: 1 }) },
    ];
    const { fetch, requests } = fakeFetch((_, n) => json({ campaign: { id: "b1", status: "released", progress: progress[n - 1] }, data: [], pagination: {} }));
    const client = createSwitchboardClient({ baseUrl: "https://sb.example", apiKey: "k", fetch });
    const seen = [];
    for await (const campaign of followCampaign(client, "b1", { intervalMs: 1 })) seen.push(campaign.progress.byStatus.completed);
    expect(seen).toEqual([0, 1, 2]);
    expect(requests).toHaveLength(3);
    expect(new URL(requests[0]!.url).pathname).toBe("/api/v1/calls/campaigns/b1");
  });
});
