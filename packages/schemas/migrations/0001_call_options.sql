CREATE TABLE `call_options` (
	`call_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`surface` text NOT NULL,
	`hipaa_compliant` integer DEFAULT false NOT NULL,
	`on_no_human_answer` text DEFAULT 'continue' NOT NULL,
	`run_do_not_call_detection` integer,
	`do_not_call_result` integer,
	`from_number` text,
	`telephony_params` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
