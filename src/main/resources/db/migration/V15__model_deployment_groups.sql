-- A deployment group rolls out either a provider (to agent and SSH edges) or a policy model (to SSH devices).
ALTER TABLE deployment_groups ALTER COLUMN provider_id DROP NOT NULL;
ALTER TABLE deployment_groups ADD COLUMN model_id VARCHAR(64);
