CREATE TABLE `chats` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chats_tenant_patient_idx` ON `chats` (`tenant_id`,`patient_id`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`chat_id` text NOT NULL,
	`direction` text NOT NULL,
	`sender_id` text NOT NULL,
	`to_number` text,
	`from_number` text,
	`status` text NOT NULL,
	`status_rank` integer NOT NULL,
	`content` text,
	`message_uid` text,
	`quote_id` text,
	`event_id` text,
	`type` text,
	`files` text,
	`error_message` text,
	`provider` text,
	`provider_message_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `messages_chat_created_idx` ON `messages` (`chat_id`,`created_at`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_chat_uid_idx` ON `messages` (`chat_id`,`message_uid`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_tenant_provider_id_idx` ON `messages` (`tenant_id`,`provider_message_id`);--> statement-breakpoint
CREATE INDEX `messages_tenant_to_created_idx` ON `messages` (`tenant_id`,`to_number`,`created_at`);--> statement-breakpoint
CREATE TABLE `messaging_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`twilio_account_sid` text,
	`twilio_auth_token_sealed` text,
	`twilio_messaging_service_sid` text,
	`twilio_from_number` text,
	`simulator` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `staff_users` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`type` text NOT NULL,
	`first_name` text NOT NULL,
	`last_name` text NOT NULL,
	`email` text,
	`phone_number` text,
	`location_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `staff_users_tenant_created_idx` ON `staff_users` (`tenant_id`,`created_at`,`id`);