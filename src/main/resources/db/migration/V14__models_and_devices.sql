-- Policy models, stored by content: the same bytes are the same model, whatever name they were sent under again.
CREATE TABLE models (
    model_id      VARCHAR(64)  PRIMARY KEY,   -- the sha256 of the file, hex
    name          VARCHAR(63)  NOT NULL,
    version       VARCHAR(64)  NOT NULL,
    description   TEXT,
    size_bytes    BIGINT       NOT NULL,
    ir_version    BIGINT       NOT NULL,
    opset         BIGINT       NOT NULL,
    producer      VARCHAR(255) NOT NULL,
    inputs        TEXT         NOT NULL,      -- JSON array of {name, type, shape}
    outputs       TEXT         NOT NULL,      -- JSON array of {name, type, shape}
    input_shapes  TEXT         NOT NULL,      -- JSON object: the shapes validation used for dynamic dimensions
    target        TEXT,                       -- JSON object {service, arch, gpu}
    source        VARCHAR(16)  NOT NULL,      -- rest | folder
    created_by    VARCHAR(255) NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT models_name_version UNIQUE (name, version)
);

-- A device's policy service: how the hub restarts it, asks whether it runs, checks its health and reads its log.
-- Commands are argument lists (JSON arrays), each word quoted when run.
CREATE TABLE device_services (
    edge_id         VARCHAR(255) PRIMARY KEY,
    service         VARCHAR(128) NOT NULL,
    restart_command TEXT         NOT NULL,
    status_command  TEXT         NOT NULL,
    health_command  TEXT,
    logs_command    TEXT         NOT NULL,
    models_dir      VARCHAR(255) NOT NULL,    -- relative to the SSH user's home unless absolute
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

-- A host key fetched from the device rather than given by the operator is trusted only once its fingerprint is confirmed.
ALTER TABLE edge_ssh ADD COLUMN host_key_verified BOOLEAN DEFAULT TRUE NOT NULL;

CREATE TABLE model_deployments (
    deployment_id     VARCHAR(64)  PRIMARY KEY,
    edge_id           VARCHAR(255) NOT NULL,
    model_id          VARCHAR(64)  NOT NULL,
    group_id          VARCHAR(64),
    status            VARCHAR(16)  NOT NULL,  -- pending uploading swapping restarting verifying deployed failed rolled-back
    parameters        TEXT         NOT NULL,  -- JSON object, written beside the model on the device
    remote_path       VARCHAR(1024),
    previous_path     VARCHAR(1024),          -- what current_model.onnx pointed at before: what a rollback restores
    error_message     TEXT,
    service_log       TEXT,                   -- the service's last log lines when it failed
    steps             TEXT         NOT NULL,  -- JSON array of {step, status, startedAt, millis, detail}
    requested_by      VARCHAR(255) NOT NULL,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    completed_at      TIMESTAMP WITH TIME ZONE
);

CREATE INDEX model_deployments_edge ON model_deployments (edge_id, created_at);
