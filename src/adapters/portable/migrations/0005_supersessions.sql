-- Issue 13: a decision replaced by a newer one (a human review). One successor per decision
-- (the primary key), written in the successor's own write set; the note is sealed.
CREATE TABLE `supersessions` (
	`superseded_id` text PRIMARY KEY NOT NULL,
	`decision_id` text NOT NULL,
	`leaf_index` integer NOT NULL,
	`cause` text NOT NULL,
	`reviewer_id` text NOT NULL,
	`reason_code` text NOT NULL,
	`note_sealed` text NOT NULL,
	`created_at` text NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `supersessions_decision` ON `supersessions` (`decision_id`);
