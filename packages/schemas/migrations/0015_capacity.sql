DROP INDEX `calls_status_scheduled_idx`;--> statement-breakpoint
DROP INDEX `webhook_deliveries_due_idx`;--> statement-breakpoint
DROP INDEX `webhook_deliveries_status_due_idx`;--> statement-breakpoint
CREATE INDEX `webhook_deliveries_due_idx` ON `webhook_deliveries` (`endpoint_id`,`status`,`next_attempt_at`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `webhook_deliveries_status_due_idx` ON `webhook_deliveries` (`status`,`next_attempt_at`) WHERE status = 'pending';--> statement-breakpoint
ALTER TABLE `tenants` ADD `calls_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Custom (issue 14, capacity): the tenants' call counts as of this migration, then kept by the create
-- request (in the batch that inserts the calls) and by this trigger for every call row deleted.
UPDATE `tenants` SET `calls_count` = (SELECT count(*) FROM `calls` WHERE `calls`.`tenant_id` = `tenants`.`id`);--> statement-breakpoint
CREATE TRIGGER `calls_count_on_delete` AFTER DELETE ON `calls`
BEGIN
  UPDATE `tenants` SET `calls_count` = `calls_count` - 1 WHERE `id` = OLD.`tenant_id`;
END;
