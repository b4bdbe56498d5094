-- Deployments of one provider to many edges, in waves.
CREATE TABLE deployment_groups (
    group_id       VARCHAR(64)  PRIMARY KEY,
    provider_id    VARCHAR(63)  NOT NULL,
    status         VARCHAR(16)  NOT NULL,   -- scheduled | rolling | succeeded | failed
    wave_size      INTEGER      NOT NULL,
    max_failures   INTEGER      NOT NULL,
    not_before     TIMESTAMP WITH TIME ZONE NOT NULL,
    request        TEXT         NOT NULL,   -- JSON: broker URL and per-edge values
    edges          TEXT         NOT NULL,   -- JSON array of {edgeId, deploymentId}: the order of the rollout
    stopped_reason TEXT,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at     TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX deployment_groups_active ON deployment_groups (status);
