PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_audit_events` (
	`id` integer PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`object_type` text NOT NULL,
	`object_id` text NOT NULL,
	`request_id` text,
	`detail` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_audit_events`("id", "tenant_id", "actor_type", "actor_id", "action", "object_type", "object_id", "request_id", "detail", "at") SELECT "id", "tenant_id", "actor_type", "actor_id", "action", "object_type", "object_id", "request_id", "detail", "at" FROM `audit_events`;--> statement-breakpoint
DROP TABLE `audit_events`;--> statement-breakpoint
ALTER TABLE `__new_audit_events` RENAME TO `audit_events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `audit_events_tenant_idx` ON `audit_events` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_tenant_object_idx` ON `audit_events` (`tenant_id`,`object_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_tenant_action_idx` ON `audit_events` (`tenant_id`,`action`,`id`);--> statement-breakpoint
ALTER TABLE `calls` ADD `patient` text;--> statement-breakpoint
-- Custom (issue 14, read rows). 1. The audit trail lost AUTOINCREMENT (its sqlite_sequence lookup
-- cost every insert 2-3 rows read and a row written); the rebuild dropped the table's triggers,
-- so they are made again: no UPDATE ever; a row leaves only once archived (0014); and the table's
-- newest row never leaves, so max(id) never goes down and SQLite never gives an id twice.
CREATE TRIGGER `audit_events_no_update` BEFORE UPDATE ON `audit_events`
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;
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
--> statement-breakpoint
CREATE TRIGGER `audit_events_keep_newest` BEFORE DELETE ON `audit_events`
WHEN OLD.id >= (SELECT max(id) FROM `audit_events`)
BEGIN
	SELECT RAISE(ABORT, 'audit_events keeps its newest row: its id must never be given again');
END;
--> statement-breakpoint
-- 2. calls.patient: the embedded patient's details on the call row, so /api/v1 reads a call without
-- its patient. Existing calls get their patient's current details; then these triggers keep them
-- current: rewritten when the embedded fields change, NULL once the patient is deleted (erasure too).
-- (`+tenant_id`: the patient's calls by the patient index, never a walk of the tenant's; docs/architecture.md.)
UPDATE `calls` SET `patient` = (
	SELECT json_object('id', p.id, 'firstName', p.first_name, 'lastName', p.last_name, 'birthDate', p.birth_date, 'email', p.email, 'phoneNumber', p.phone_number)
	FROM `patients` p WHERE p.id = `calls`.`patient_id` AND p.tenant_id = `calls`.`tenant_id`
) WHERE `patient_id` IS NOT NULL;
--> statement-breakpoint
CREATE TRIGGER `calls_patient_on_update` AFTER UPDATE OF `first_name`, `last_name`, `birth_date`, `email`, `phone_number` ON `patients`
WHEN NEW.first_name IS NOT OLD.first_name OR NEW.last_name IS NOT OLD.last_name OR NEW.birth_date IS NOT OLD.birth_date
	OR NEW.email IS NOT OLD.email OR NEW.phone_number IS NOT OLD.phone_number
BEGIN
	UPDATE `calls` SET `patient` = json_object('id', NEW.id, 'firstName', NEW.first_name, 'lastName', NEW.last_name, 'birthDate', NEW.birth_date, 'email', NEW.email, 'phoneNumber', NEW.phone_number)
	WHERE `patient_id` = NEW.id AND +`tenant_id` = NEW.tenant_id;
END;
--> statement-breakpoint
CREATE TRIGGER `calls_patient_on_delete` AFTER DELETE ON `patients`
BEGIN
	UPDATE `calls` SET `patient` = NULL WHERE `patient_id` = OLD.id AND +`tenant_id` = OLD.tenant_id;
END;
