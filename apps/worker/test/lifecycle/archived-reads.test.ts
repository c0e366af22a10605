import { describe, expect, it } from "vitest";
import { aicallGet, vocodeGet } from "../helpers/calls";
import { comms, vocode, voipbin } from "../helpers/http";
import { DAY, rows, runUntilDone, tenantWithHistory } from "../helpers/lifecycle";

// Every surface that reads one call by id reads it through the same read model, archive included:
// a call past the tenant's hot window answers on /comms, Vocode and VoIPbin exactly as before.

describe("an archived call answers on every surface", () => {
  it("/comms, Vocode and VoIPbin give the same answer after the call moved to R2, and nothing to another tenant", async () => {
    const t = await tenantWithHistory();
    const before = {
      comms: (await comms(`/comms/call/${t.ended}`, { key: t.key, tenant: t.tenantId })).body,
      vocode: await vocodeGet(t.key, t.ended),
      voipbin: await aicallGet(t.key, t.ended),
    };
    expect(before.comms.id).toBe(t.ended);

    await runUntilDone(t.tenantId, Date.now() + 91 * DAY);
    expect(await rows(`SELECT id FROM calls WHERE id = ?`, t.ended)).toEqual([]);

    expect((await comms(`/comms/call/${t.ended}`, { key: t.key, tenant: t.tenantId })).body).toEqual(before.comms);
    expect(await vocodeGet(t.key, t.ended)).toEqual(before.vocode);
    expect(await aicallGet(t.key, t.ended)).toEqual(before.voipbin);

    const other = await tenantWithHistory();
    expect((await comms(`/comms/call/${t.ended}`, { key: other.key, tenant: other.tenantId })).status).toBe(404);
    expect((await vocode(`/v1/calls?id=${t.ended}`, other.key)).status).toBe(404);
    expect((await voipbin(`/v1.0/aicalls/${t.ended}`, other.key)).status).toBe(404);
  });
});
