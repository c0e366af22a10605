ALTER TABLE `tenants` ADD `calling_hours_start` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `calling_hours_end` text;