CREATE TABLE `opt_outs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`phone_number` text NOT NULL,
	`patient_id` text,
	`source` text NOT NULL,
	`keyword` text,
	`opted_out_at` integer NOT NULL,
	`opted_in_at` integer,
	`opt_in_source` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `opt_outs_tenant_phone_idx` ON `opt_outs` (`tenant_id`,`phone_number`,`opted_in_at`);--> statement-breakpoint
CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`provider` text NOT NULL,
	`settings` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `agents_tenant_created_idx` ON `agents` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`name` text,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_idx` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_tenant_idx` ON `api_keys` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `call_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`call_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`from_status` text,
	`to_status` text,
	`detail` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `call_events_call_seq_idx` ON `call_events` (`call_id`,`seq`);--> statement-breakpoint
CREATE TABLE `calls` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`campaign_id` text,
	`agent_id` text NOT NULL,
	`patient_id` text,
	`phone_number` text NOT NULL,
	`status` text NOT NULL,
	`outcome` text,
	`provider` text NOT NULL,
	`provider_call_id` text,
	`reason` text,
	`recording` integer DEFAULT true NOT NULL,
	`client_metadata` text,
	`final_report` text,
	`transcript` text,
	`scheduled_at` integer,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `calls_tenant_created_idx` ON `calls` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `calls_campaign_created_idx` ON `calls` (`campaign_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `calls_tenant_ended_idx` ON `calls` (`tenant_id`,`ended_at`);--> statement-breakpoint
CREATE INDEX `calls_agent_status_idx` ON `calls` (`agent_id`,`status`);--> statement-breakpoint
CREATE INDEX `calls_status_scheduled_idx` ON `calls` (`status`,`scheduled_at`);--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`name` text,
	`description` text,
	`reason` text,
	`recording` integer DEFAULT true NOT NULL,
	`scheduled_at` integer,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `campaigns_tenant_created_idx` ON `campaigns` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `campaigns_status_scheduled_idx` ON `campaigns` (`status`,`scheduled_at`);--> statement-breakpoint
CREATE TABLE `patients` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`first_name` text NOT NULL,
	`last_name` text NOT NULL,
	`phone_number` text,
	`birth_date` text,
	`email` text,
	`timezone` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `patients_tenant_created_idx` ON `patients` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `patients_tenant_phone_idx` ON `patients` (`tenant_id`,`phone_number`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`concurrency_limit` integer DEFAULT 10 NOT NULL,
	`timezone` text DEFAULT 'America/New_York' NOT NULL,
	`created_at` integer NOT NULL
);
