-- The message format a provider publishes: the mapping (mappings/<format>.jslt) its trajectories go through.
ALTER TABLE providers ADD COLUMN trajectory_format VARCHAR(64);
