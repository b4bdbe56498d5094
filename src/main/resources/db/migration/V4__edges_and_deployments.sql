-- Venues, edges and their lidars: what a deployment document is built from.
CREATE TABLE venues (
    venue_id         VARCHAR(128) PRIMARY KEY,
    name             VARCHAR(255) NOT NULL,
    coordinate_frame TEXT         NOT NULL,   -- JSON object
    venue_bounds     TEXT         NOT NULL,   -- JSON object: ROI bounds
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE edges (
    edge_id        VARCHAR(255) PRIMARY KEY,
    name           VARCHAR(255) NOT NULL,
    venue_id       VARCHAR(128),
    address        VARCHAR(255),
    transport      VARCHAR(16)  NOT NULL,     -- agent | ssh
    labels         TEXT         NOT NULL,     -- JSON object
    status         VARCHAR(16)  NOT NULL,     -- online | offline | error
    last_seen      TIMESTAMP WITH TIME ZONE,
    agent_version  VARCHAR(64),
    docker_version VARCHAR(64),
    updated_at     TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE lidars (
    edge_id    VARCHAR(255) NOT NULL,
    serial     VARCHAR(255) NOT NULL,
    model      VARCHAR(255) NOT NULL,
    extrinsics TEXT         NOT NULL,         -- JSON object: pose
    PRIMARY KEY (edge_id, serial)
);

-- Deployments: the document sent to the edge and every status it went through.
CREATE TABLE deployments (
    deployment_id VARCHAR(64)  PRIMARY KEY,
    edge_id       VARCHAR(255) NOT NULL,
    venue_id      VARCHAR(128) NOT NULL,
    provider_id   VARCHAR(63)  NOT NULL,
    document      TEXT         NOT NULL,      -- JSON: the deployment document
    status        VARCHAR(16)  NOT NULL,
    history       TEXT         NOT NULL,      -- JSON array of {status, at, detail}
    error         TEXT,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX deployments_edge ON deployments (edge_id, created_at);
