-- Issue 11: start-up checks that no decision or access row points past the log, in O(log n).
CREATE INDEX `decisions_leaf` ON `decisions` (`leaf_index`);--> statement-breakpoint
CREATE INDEX `access_leaf` ON `access_records` (`leaf_index`);
