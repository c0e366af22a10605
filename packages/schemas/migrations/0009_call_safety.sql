ALTER TABLE `idempotency_keys` ADD `batch_id` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `cancel_pending_since` integer;--> statement-breakpoint
CREATE INDEX `campaigns_cancel_pending_idx` ON `campaigns` (`cancel_pending_since`) WHERE "campaigns"."cancel_pending_since" IS NOT NULL;--> statement-breakpoint
-- Before the next migration makes one active opt-out per number unique: where concurrent STOPs
-- recorded several, the earliest stays active and the others are closed as duplicates (kept, as
-- consent history; the number stays opted out by the earliest).
UPDATE `opt_outs` SET `opted_in_at` = `opted_out_at`, `opt_in_source` = 'duplicate'
 WHERE `opted_in_at` IS NULL AND EXISTS (
   SELECT 1 FROM `opt_outs` AS `o`
    WHERE `o`.`tenant_id` = `opt_outs`.`tenant_id` AND `o`.`phone_number` = `opt_outs`.`phone_number` AND `o`.`opted_in_at` IS NULL
      AND (`o`.`opted_out_at` < `opt_outs`.`opted_out_at` OR (`o`.`opted_out_at` = `opt_outs`.`opted_out_at` AND `o`.`id` < `opt_outs`.`id`)));
