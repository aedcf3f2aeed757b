-- Issue 15: the performance indicators. Figures written in each decision's own write set —
-- flags, durations, registry results and latencies — and nothing that says who: no subject
-- hash, no identity number, and no decision id on a registry call. Decisions written before
-- this migration have no figures row: they still count by outcome and day.
CREATE TABLE `decision_figures` (
	`decision_id` text PRIMARY KEY NOT NULL,
	`decided_at` text NOT NULL,
	`provisional` integer NOT NULL,
	`green_channel` integer NOT NULL,
	`review_required` integer NOT NULL,
	`evidence_complete` integer NOT NULL,
	`duration_ms` integer
);--> statement-breakpoint
CREATE INDEX `decision_figures_decided` ON `decision_figures` (`decided_at`);--> statement-breakpoint
CREATE TABLE `registry_calls` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`source` text NOT NULL,
	`result` text NOT NULL,
	`code` text,
	`latency_ms` integer NOT NULL
);--> statement-breakpoint
CREATE INDEX `registry_calls_at` ON `registry_calls` (`at`);--> statement-breakpoint
CREATE INDEX `decisions_decided` ON `decisions` (`decided_at`);
