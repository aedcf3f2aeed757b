CREATE TABLE `anchor_outbox` (
	`size` integer PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL,
	`anchored_size` integer
);
--> statement-breakpoint
CREATE INDEX `anchor_outbox_pending` ON `anchor_outbox` (`size`) WHERE `anchored_size` IS NULL;
--> statement-breakpoint
CREATE TABLE `ledger_anchors` (
	`size` integer PRIMARY KEY NOT NULL,
	`root_hash` blob NOT NULL,
	`network` text NOT NULL,
	`channel` text NOT NULL,
	`chaincode` text NOT NULL,
	`tx_id` text NOT NULL,
	`block_number` integer NOT NULL,
	`anchored_at` text NOT NULL,
	`checkpoints` integer NOT NULL,
	`leaves` integer NOT NULL
);
