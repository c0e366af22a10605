import { followCampaign, ok, verifyWebhook, type SwitchboardClient } from "@switchboard/sdk";

/** Create patients, place one batch of reminder calls, and follow it until every call has ended. */
export async function sendReminders(sb: SwitchboardClient, onProgress: (line: string) => void = console.log) {
  const patients = [];
  for (const person of [
    { firstName: "Ada", lastName: "Lovelace", phoneNumber: "(555) 555-0142" },
    { firstName: "Alan", lastName: "Turing", phoneNumber: "+1 555 555 0143" },
  ]) {
    patients.push(ok(await sb.POST("/api/v1/patients", { body: { ...person, timezone: "America/Chicago" } })));
  }
  const agent = ok(
    await sb.POST("/api/v1/agents", {
      body: { name: "Reminder", provider: "simulator", greeting: "Hi, this is Ava from Sunrise Clinic.", simulator: { durationMs: 3000 } },
    }),
  );
  const batch = ok(
    await sb.POST("/api/v1/calls", {
      body: {
        name: "Check-up reminders",
        agentId: agent.id,
        reason: "appointment reminder",
        patients: patients.map((p) => ({ patientId: p.patient_id, extended: { appointment: { name: "General Check Up", start_time: "Dec 2 at 10:30 AM" } } })),
      },
    }),
  );
  for await (const campaign of followCampaign(sb, batch.batchId, { intervalMs: 1000 })) {
    const { total, ended, expectedFinishAt } = campaign.progress;
    onProgress(`${ended}/${total} calls ended${expectedFinishAt ? `, expected to finish at ${expectedFinishAt}` : ""}`);
  }
  return ok(await sb.GET("/api/v1/calls", { params: { query: { batch_id: batch.batchId } } })).data;
}

/** Your webhook endpoint: check the signature on the raw body before trusting the event. */
export async function onWebhook(request: Request, secret: string): Promise<Response> {
  const body = await request.text();
  try {
    const event = await verifyWebhook(secret, body, request.headers);
    if (event.type === "call.completed") console.log(`call ${event.data.call_id} ended: ${event.data.final_report?.outcome ?? "no report"}`);
    return new Response(null, { status: 204 });
  } catch {
    return new Response("bad signature", { status: 401 });
  }
}
