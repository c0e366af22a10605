ALTER TABLE `api_keys` ADD `surface` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `requests_per_second` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `request_burst` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `calls_per_minute` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `max_webhook_endpoints` integer;