CREATE TABLE `access_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`decision_id` text NOT NULL,
	`subject_hash` text NOT NULL,
	`source` text NOT NULL,
	`purpose` text NOT NULL,
	`consent_reference` text NOT NULL,
	`status` text NOT NULL,
	`at` text NOT NULL,
	`leaf_index` integer NOT NULL,
	`records_sealed` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `access_subject` ON `access_records` (`subject_hash`);--> statement-breakpoint
CREATE INDEX `access_decision` ON `access_records` (`decision_id`);--> statement-breakpoint
CREATE TABLE `decisions` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`request_digest` text NOT NULL,
	`subject_hash` text NOT NULL,
	`outcome` text NOT NULL,
	`decided_at` text NOT NULL,
	`leaf_index` integer NOT NULL,
	`receipt` text NOT NULL,
	`decision_sealed` text NOT NULL,
	`request_sealed` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `decisions_client_key` ON `decisions` (`client_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `decisions_subject` ON `decisions` (`subject_hash`);--> statement-breakpoint
CREATE TABLE `log_checkpoints` (
	`size` integer PRIMARY KEY NOT NULL,
	`root_hash` blob NOT NULL,
	`note` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `log_leaves` (
	`idx` integer PRIMARY KEY NOT NULL,
	`leaf` blob NOT NULL
);
--> statement-breakpoint
CREATE TABLE `log_nodes` (
	`level` integer NOT NULL,
	`idx` integer NOT NULL,
	`hash` blob NOT NULL,
	PRIMARY KEY(`level`, `idx`)
);
--> statement-breakpoint
CREATE TABLE `subject_keys` (
	`subject_hash` text PRIMARY KEY NOT NULL,
	`key` blob NOT NULL,
	`created_at` text NOT NULL
);
