-- Named containers on an edge or a cloud target (the reference's containers table). env holds the plain values as a
-- JSON object; secret_env the secret ones, each encrypted (SecretBox, bound to the workload and the name), never
-- returned by the API.
CREATE TABLE workloads (
    workload_id  VARCHAR(64)  PRIMARY KEY,
    name         VARCHAR(63)  NOT NULL,
    target       VARCHAR(16)  NOT NULL,   -- edge | cloud
    target_name  VARCHAR(255) NOT NULL,   -- the edge id, or the cloud target's name
    image        TEXT         NOT NULL,   -- as requested
    pinned_image TEXT         NOT NULL,   -- repository@sha256:…, what runs
    env          TEXT         NOT NULL,
    secret_env   TEXT         NOT NULL,
    resources    TEXT         NOT NULL,   -- {cpus, memory, pids}
    network      VARCHAR(64)  NOT NULL,
    ports        TEXT         NOT NULL,   -- [{containerPort, hostPort, protocol}]
    labels       TEXT         NOT NULL,
    status       VARCHAR(16)  NOT NULL,   -- pending | pulling | starting | running | stopped | failed
    detail       TEXT,
    address      VARCHAR(255),
    container_id VARCHAR(64),
    created_by   VARCHAR(255) NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    UNIQUE (target, target_name, name)
);

CREATE INDEX workloads_by_target ON workloads (target, target_name);
