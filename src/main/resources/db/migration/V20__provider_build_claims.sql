-- The build queue is this table: a hub claims a build (claimed_by) for a lease it renews while it runs the build;
-- a build whose lease ran out (its hub died) is claimed again by any hub.
ALTER TABLE provider_builds ADD COLUMN claimed_by VARCHAR(255);
ALTER TABLE provider_builds ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;
CREATE INDEX provider_builds_unfinished ON provider_builds (status, created_at);
