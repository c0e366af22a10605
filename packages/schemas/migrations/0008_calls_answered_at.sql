ALTER TABLE `calls` ADD `answered_at` integer;--> statement-breakpoint
-- Calls answered before this column existed: their history says when.
UPDATE `calls` SET `answered_at` = (SELECT min(`at`) FROM `call_events` WHERE `call_events`.`call_id` = `calls`.`id` AND `call_events`.`to_status` = 'in-progress') WHERE `answered_at` IS NULL;
