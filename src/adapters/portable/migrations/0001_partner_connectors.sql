CREATE TABLE `connector_app_keys` (
	`key_id` text PRIMARY KEY NOT NULL,
	`connector_id` text NOT NULL,
	`secret_sealed` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `connector_app_keys_connector` ON `connector_app_keys` (`connector_id`);--> statement-breakpoint
CREATE TABLE `connector_certificates` (
	`serial` text PRIMARY KEY NOT NULL,
	`connector_id` text,
	`usage` text NOT NULL,
	`subject` text NOT NULL,
	`dns_names` text NOT NULL,
	`ip_addresses` text NOT NULL,
	`not_before` text NOT NULL,
	`not_after` text NOT NULL,
	`fingerprint` text NOT NULL,
	`pem` text NOT NULL,
	`issued_at` text NOT NULL,
	`revoked_at` text,
	`revocation_reason` text
);
--> statement-breakpoint
CREATE INDEX `connector_certificates_connector` ON `connector_certificates` (`connector_id`);--> statement-breakpoint
CREATE TABLE `partner_connector_versions` (
	`connector_id` text NOT NULL,
	`version` integer NOT NULL,
	`label` text NOT NULL,
	`manifest` text NOT NULL,
	`manifest_digest` text NOT NULL,
	`state` text NOT NULL,
	`conformance` text,
	`registered_at` text NOT NULL,
	`registered_by` text NOT NULL,
	PRIMARY KEY(`connector_id`, `version`),
	FOREIGN KEY (`connector_id`) REFERENCES `partner_connectors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `partner_connectors` (
	`id` text PRIMARY KEY NOT NULL,
	`agency_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`active_version` integer,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `partner_connectors_agency` ON `partner_connectors` (`agency_id`);