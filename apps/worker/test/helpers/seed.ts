import { env } from "cloudflare:workers";

/* Rows written straight into D1, for sizes the API does not take in one request. */

/** Patients straight into D1 (for large campaigns), all with the given time zone. */
export async function insertPatients(tenantId: string, count: number, timezone: string | null = "America/Chicago"): Promise<string[]> {
  const now = Date.now();
  const ids = Array.from({ length: count }, () => crypto.randomUUID());
  for (let i = 0; i < ids.length; i += 2000) {
    const rows = ids.slice(i, i + 2000).map((id, j) => ({ id, phone: `+1555${String(2_000_000 + i + j).padStart(7, "0")}` }));
    await env.DB.prepare(
      `INSERT INTO patients (id, tenant_id, first_name, last_name, phone_number, timezone, created_at, updated_at)
       SELECT json_extract(value, '$.id'), ?1, 'Pat', 'Ient', json_extract(value, '$.phone'), ?2, ?3, ?3 FROM json_each(?4)`,
    )
      .bind(tenantId, timezone, now, JSON.stringify(rows))
      .run();
  }
  return ids;
}

/**
 * A scheduled campaign written straight into D1, as `POST /api/v1/calls` writes one (campaign,
 * calls `scheduled`, a `created` event each): the API takes 1,000 patients per request, and the
 * release must not care how big a campaign is.
 */
export async function insertScheduledCampaign(tenantId: string, agentId: string, patientIds: string[], scheduledAt: number) {
  const now = Date.now();
  const batchId = crypto.randomUUID();
  await env.DB.prepare(
    `INSERT INTO campaigns (id, tenant_id, agent_id, name, recording, scheduled_at, status, created_at) VALUES (?, ?, ?, 'big', 1, ?, 'scheduled', ?)`,
  )
    .bind(batchId, tenantId, agentId, scheduledAt, now)
    .run();
  const callIds: string[] = [];
  for (let i = 0; i < patientIds.length; i += 2000) {
    const rows = patientIds.slice(i, i + 2000).map((patientId, j) => {
      const id = crypto.randomUUID();
      callIds.push(id);
      return { id, patientId, createdAt: now + i + j };
    });
    const json = JSON.stringify(rows);
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO calls (id, tenant_id, campaign_id, agent_id, patient_id, patient, phone_number, status, provider, recording, scheduled_at, created_at, updated_at)
         SELECT json_extract(j.value, '$.id'), ?1, ?2, ?3, p.id,
                json_object('id', p.id, 'firstName', p.first_name, 'lastName', p.last_name, 'birthDate', p.birth_date, 'email', p.email, 'phoneNumber', p.phone_number),
                p.phone_number, 'scheduled', 'simulator', 1, ?4, json_extract(j.value, '$.createdAt'), ?5
           FROM json_each(?6) j JOIN patients p ON p.id = json_extract(j.value, '$.patientId')`,
      ).bind(tenantId, batchId, agentId, scheduledAt, now, json),
      env.DB.prepare(
        `INSERT INTO call_events (call_id, tenant_id, seq, type, from_status, to_status, detail, at)
         SELECT json_extract(value, '$.id'), ?1, 0, 'created', NULL, 'scheduled', ?2, ?3 FROM json_each(?4)`,
      ).bind(tenantId, JSON.stringify({ batchId }), now, json),
    ]);
  }
  return { batchId, callIds };
}
