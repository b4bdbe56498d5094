-- What an edge can hold (caravan.deploy.DeviceCapabilities as JSON), from its agent's heartbeat or the SSH probe.
ALTER TABLE edges ADD COLUMN capabilities TEXT;
ALTER TABLE edges ADD COLUMN capabilities_at TIMESTAMP WITH TIME ZONE;

-- Devices waiting to be claimed: an agent started without a credential announces the hash of the one-time code it
-- shows and the hash of a secret it keeps (verifier); an operator claims it with the code, binding an edge id; the
-- agent then collects its credential with the secret.
CREATE TABLE edge_claims (
    code_hash     VARCHAR(64)  PRIMARY KEY,
    verifier      VARCHAR(64)  NOT NULL,
    announced_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    agent_version VARCHAR(255),
    edge_id       VARCHAR(255) REFERENCES edges (edge_id) ON DELETE CASCADE,
    claimed_by    VARCHAR(255),
    claimed_at    TIMESTAMP WITH TIME ZONE,
    collected_at  TIMESTAMP WITH TIME ZONE
);
CREATE INDEX edge_claims_expiry ON edge_claims (expires_at);

-- Operations on an agent's workloads are commands too (workload-replace, workload-probe, …), kept while the hub
-- waits for their answer.
ALTER TABLE edge_commands ALTER COLUMN action TYPE VARCHAR(32);

-- A deploy a hub takes up after the one deploying it stopped is a new attempt; only the latest moves the workload on.
ALTER TABLE workloads ADD COLUMN deploy_attempt INT NOT NULL DEFAULT 0;
