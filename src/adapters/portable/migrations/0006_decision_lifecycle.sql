-- Issue 13: the re-verification queue, webhooks and their outbox; supersessions say whether the
-- successor needs a person and are read in log order by the change feed.
ALTER TABLE `supersessions` ADD `review_required` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `supersessions_leaf` ON `supersessions` (`leaf_index`);--> statement-breakpoint
CREATE TABLE `reverifications` (
	`decision_id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`sources` text NOT NULL,
	`enqueued_at` text NOT NULL,
	`not_after` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`leased_until` integer,
	`successor_id` text,
	`closed_at` text
);--> statement-breakpoint
CREATE INDEX `reverifications_due` ON `reverifications` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`client_id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`secret_sealed` text NOT NULL,
	`cursor` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`event_id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`type` text NOT NULL,
	`decision_id` text NOT NULL,
	`superseded_id` text NOT NULL,
	`created_at` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`state` text NOT NULL,
	`last_status` integer,
	`delivered_at` text
);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_due` ON `webhook_deliveries` (`state`,`next_attempt_at`);
