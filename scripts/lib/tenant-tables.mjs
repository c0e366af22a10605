// The tables that hold a tenant's data on its shard, parents before children (foreign keys), and
// how to select one tenant's rows from each. `api_keys`, `console_sessions` and `tenant_shards` are not
// here: they stay on shard 0 (the control plane). A worker test (test/shards/tenant-tables.test.ts) fails when
// a table with a tenant_id column is missing from this list.
export const TENANT_TABLES = [
  { name: "tenants", where: "id = ?1" },
  { name: "patients" },
  { name: "agents" },
  { name: "campaigns" },
  { name: "calls" },
  // Autoincrement ids are per database: rows get new ids on the target; (call_id, seq) is unique.
  { name: "call_events", autoId: true, orIgnore: true },
  { name: "call_options" },
  { name: "opt_outs" },
  { name: "consent_records" },
  { name: "do_not_call" },
  { name: "contact_counters" },
  { name: "provider_credentials" },
  { name: "provider_webhook_orphans" },
  { name: "idempotency_keys" },
  { name: "staff_users" },
  { name: "chats" },
  { name: "messages" },
  { name: "messaging_settings" },
  { name: "message_sends" },
  { name: "message_send_attempts", where: "message_id IN (SELECT id FROM messages WHERE tenant_id = ?1)" },
  { name: "webhook_endpoints" },
  { name: "webhook_events" },
  { name: "webhook_deliveries" },
  { name: "webhook_attempts", autoId: true },
  { name: "archive_days" },
  { name: "archived_calls" },
  { name: "archive_patient_days" },
  { name: "patient_erasures" },
  { name: "lifecycle_state" },
  // Append-only: copied last, and never deleted from the old shard (its trigger refuses).
  { name: "audit_events", autoId: true, appendOnly: true },
];

/** Tables that stay on shard 0 whatever shard the tenant's data is on. */
export const CONTROL_PLANE_TABLES = ["api_keys", "tenant_shards", "console_sessions"];
