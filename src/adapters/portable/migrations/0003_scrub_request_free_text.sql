-- Issue 11: free text from requests is no longer stored as it came. Rows written before this
-- migration held the consent reference and the Idempotency-Key in plaintext; new rows hold the
-- reference sealed and the key as a keyed hash, which SQL cannot compute. The plaintext is
-- removed: the reference stays readable in each decision's sealed request, and a legacy key
-- can no longer be replayed (its decision is still read by id).
UPDATE `access_records` SET `consent_reference` = '';--> statement-breakpoint
UPDATE `decisions` SET `idempotency_key` = 'legacy:' || `id`;
