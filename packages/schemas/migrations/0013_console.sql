CREATE TABLE `console_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`tenant_id` text,
	`api_key_id` text,
	`admin_token_hash` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`api_key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `console_sessions_expires_idx` ON `console_sessions` (`expires_at`);--> statement-breakpoint
CREATE INDEX `call_events_tenant_provider_idx` ON `call_events` (`tenant_id`,`at`) WHERE type IN ('provider.attempt', 'provider.placed', 'provider.refused', 'provider.failover');--> statement-breakpoint
CREATE INDEX `calls_tenant_answered_idx` ON `calls` (`tenant_id`,`answered_at`) WHERE answered_at IS NOT NULL;