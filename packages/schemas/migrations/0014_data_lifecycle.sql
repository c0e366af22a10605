CREATE TABLE `archive_days` (
	`tenant_id` text NOT NULL,
	`day` text NOT NULL,
	`key` text NOT NULL,
	`records` integer NOT NULL,
	`audit_through_id` integer,
	`phi_purged_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `archive_patient_days` (
	`tenant_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`day` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `patient_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `archived_calls` (
	`tenant_id` text NOT NULL,
	`call_id` text NOT NULL,
	`day` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `call_id`)
);
--> statement-breakpoint
CREATE TABLE `lifecycle_state` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`lease_holder` text,
	`lease_expires_at` integer DEFAULT 0 NOT NULL,
	`phi_purged_through` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `patient_erasures` (
	`tenant_id` text NOT NULL,
	`patient_id` text PRIMARY KEY NOT NULL,
	`chat_id` text,
	`requested_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tenant_shards` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`shard` integer NOT NULL,
	`writes_held_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tenant_shards_shard_idx` ON `tenant_shards` (`shard`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `hot_window_days` integer DEFAULT 90 NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `phi_retention_days` integer;--> statement-breakpoint
CREATE INDEX `messages_tenant_created_idx` ON `messages` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `webhook_events_tenant_created_idx` ON `webhook_events` (`tenant_id`,`created_at`);--> statement-breakpoint
-- Custom: the audit trail stays append-only (no UPDATE ever); a row may leave D1 only once the
-- archiver has recorded (archive_days.audit_through_id) that its tenant's day object in R2 holds it.
DROP TRIGGER IF EXISTS `audit_events_no_delete`;
--> statement-breakpoint
CREATE TRIGGER `audit_events_no_delete` BEFORE DELETE ON `audit_events`
WHEN NOT EXISTS (
	SELECT 1 FROM `archive_days` a
	WHERE a.tenant_id = OLD.tenant_id
		AND a.day = strftime('%Y-%m-%d', OLD.at / 1000, 'unixepoch')
		AND a.audit_through_id >= OLD.id
)
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only: only archived rows may leave');
END;
