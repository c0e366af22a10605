CREATE TABLE `consent_records` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`phone_number` text NOT NULL,
	`basis` text NOT NULL,
	`source` text NOT NULL,
	`evidence` text NOT NULL,
	`scope` text NOT NULL,
	`given_at` integer NOT NULL,
	`recorded_at` integer NOT NULL,
	`withdrawn_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `consent_records_patient_idx` ON `consent_records` (`tenant_id`,`patient_id`,`phone_number`);--> statement-breakpoint
CREATE TABLE `contact_counters` (
	`tenant_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`recent` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `patient_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `do_not_call` (
	`tenant_id` text NOT NULL,
	`phone_number` text NOT NULL,
	`note` text,
	`source` text NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `phone_number`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `purpose` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `policy_decision` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `policy_reason` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `policy_reasons` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `policy_until` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `purpose` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `subject` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `policy_decision` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `policy_reason` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `policy_reasons` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `policy_until` integer;--> statement-breakpoint
CREATE INDEX `calls_patient_created_idx` ON `calls` (`patient_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `campaigns` ADD `paused_at` integer;--> statement-breakpoint
ALTER TABLE `patients` ADD `state` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `contact_policy` text;