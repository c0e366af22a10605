import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { archiveKey, readArchive, type ArchiveContents } from "../../src/lifecycle/archive-object";
import { runTenantLifecycle } from "../../src/lifecycle/run";
import { getCall, placeCall } from "./calls";
import { api } from "./http";
import { sendMessage, createStaffUser, chatFor, messageForm, PNG } from "./messaging";
import { playCall } from "./objects";
import { createTenant, setup } from "./tenants";

/* Lifecycle fixtures: a tenant with some history, and ways to look into D1 and the archive. */

export const DAY = 86_400_000;

export function today(now = Date.now()) {
  return new Date(now).toISOString().slice(0, 10);
}

/** Runs the tenant's lifecycle at `now` until nothing more moves (each run is bounded). */
export async function runUntilDone(tenantId: string, now: number, d1: D1Database = env.DB, maxRuns = 20) {
  const total = { archived: 0, phiPurged: 0, erased: 0 };
  for (let i = 0; i < maxRuns; i++) {
    const r = await runTenantLifecycle({ d1, bucket: env.FILES }, tenantId, now);
    total.archived += r.archived;
    total.phiPurged += r.phiPurged;
    total.erased += r.erased;
    if (!r.archived && !r.phiPurged && !r.erased) return total;
  }
  throw new Error("lifecycle did not settle");
}

export async function archiveOf(tenantId: string, day = today()): Promise<ArchiveContents> {
  return (await readArchive(env.FILES, archiveKey(tenantId, day))).contents;
}

export async function archiveText(tenantId: string, day = today()): Promise<string> {
  const object = await env.FILES.get(archiveKey(tenantId, day));
  if (!object) return "";
  return new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).text();
}

export async function rows(sql: string, ...binds: unknown[]) {
  return (await env.DB.prepare(sql).bind(...binds).all<Record<string, any>>()).results;
}

/**
 * A tenant with history: an ended call (report and transcript), a live call, a text with an
 * attachment, and the audit rows all that wrote.
 */
export async function tenantWithHistory(agentOverrides: Record<string, unknown> = {}) {
  const t = await setup(agentOverrides);
  const ended = await placeCall(t.key, t.patient.patient_id, t.agent.id, { extended: { mrn: "A-1" } });
  await playCall(ended);
  const live = await placeCall(t.key, t.patient.patient_id, t.agent.id);
  const user = await createStaffUser(t.key);
  const chat = await chatFor(t.key, t.patient.patient_id);
  const sent = await sendMessage(t.key, t.tenant.id, { sender_id: user.id, chat_id: chat.id, content: "Your lab results are ready" }, [
    new File([PNG], "labs.png", { type: "image/png" }),
  ]);
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  const message = (await rows(`SELECT * FROM messages WHERE id = ?`, sent.body.id))[0]!;
  const before = await getCall(t.key, ended);
  await othersActLater();
  return { ...t, tenantId: t.tenant.id, ended, live, chat, messageId: sent.body.id as string, message, before };
}

/**
 * Another tenant acts (its audit rows are the table's newest), as on any shard in use: the archive
 * leaves the audit table's newest row in D1 (its id must never be given again), so a fixture whose
 * own row is the newest would keep that row.
 */
export async function othersActLater() {
  await createTenant();
}

export async function deletePatient(key: string, patientId: string) {
  return api(`/api/v1/patients/${patientId}`, { method: "DELETE", key });
}

export { messageForm };
