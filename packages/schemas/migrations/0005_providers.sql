CREATE TABLE `provider_credentials` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`provider` text NOT NULL,
	`api_key_sealed` text NOT NULL,
	`api_key_hint` text NOT NULL,
	`api_secret_sealed` text,
	`api_secret_hint` text,
	`base_url` text,
	`from_number` text,
	`options` text NOT NULL,
	`webhook_token_hash` text NOT NULL,
	`webhook_token_sealed` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `provider_credentials_tenant_provider_idx` ON `provider_credentials` (`tenant_id`,`provider`);--> statement-breakpoint
CREATE UNIQUE INDEX `provider_credentials_webhook_idx` ON `provider_credentials` (`webhook_token_hash`);--> statement-breakpoint
CREATE TABLE `provider_webhook_orphans` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`provider` text NOT NULL,
	`event_type` text NOT NULL,
	`call_id` text,
	`provider_call_id` text,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `provider_webhook_orphans_tenant_idx` ON `provider_webhook_orphans` (`tenant_id`,`provider`,`received_at`);--> statement-breakpoint
ALTER TABLE `calls` ADD `recording_url` text;--> statement-breakpoint
CREATE INDEX `calls_provider_call_idx` ON `calls` (`provider_call_id`);--> statement-breakpoint
CREATE INDEX `calls_status_updated_idx` ON `calls` (`status`,`updated_at`);