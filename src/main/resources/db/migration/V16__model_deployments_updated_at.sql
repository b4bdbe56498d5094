-- When a model deployment last recorded a step: one that stops doing so was left by a hub that stopped.
ALTER TABLE model_deployments ADD COLUMN updated_at TIMESTAMP WITH TIME ZONE;
UPDATE model_deployments SET updated_at = COALESCE(completed_at, created_at);
