-- Model deployments under way are a queue shared by the hubs on one database, as builds are (V20): a hub claims a
-- deployment (claimed_by) for a lease it renews while it runs it; one whose hub died is taken up by any hub once the
-- lease has run out.
ALTER TABLE model_deployments ADD COLUMN claimed_by VARCHAR(255);
ALTER TABLE model_deployments ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;
-- When the deployment first swapped the device's links, and what current_parameters.json pointed at before (as
-- previous_path holds current_model.onnx's): a hub taking up a deployment after its swap restores these, not what the
-- links point at by then.
ALTER TABLE model_deployments ADD COLUMN swapped_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE model_deployments ADD COLUMN previous_parameters VARCHAR(1024);
CREATE INDEX model_deployments_unfinished ON model_deployments (status, created_at);
-- Deployments under way when the hubs were upgraded stay with the hubs that ran them for the half hour the hubs before
-- this version waited, and are taken up after; those past their swap have their links' previous target already.
UPDATE model_deployments SET claimed_by = 'a hub before V21', claimed_until = CURRENT_TIMESTAMP + INTERVAL '30' MINUTE
WHERE status NOT IN ('deployed', 'failed', 'rolled-back');
UPDATE model_deployments SET swapped_at = updated_at
WHERE status IN ('restarting', 'verifying') OR (status = 'swapping' AND previous_path IS NOT NULL);
-- updated_at (V16) told the hubs before this version that a deployment was abandoned; hubs now tell by the claim and
-- no longer write it. It stays while hubs before V21 may still run, as they write it.
