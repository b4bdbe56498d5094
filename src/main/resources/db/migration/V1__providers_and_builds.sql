-- Providers: algorithm modules that can be deployed, built from .deb packages or registered as images.
CREATE TABLE providers (
    provider_id      VARCHAR(63)  PRIMARY KEY,
    display_name     VARCHAR(255) NOT NULL,
    version          VARCHAR(128) NOT NULL,
    source           VARCHAR(16)  NOT NULL,          -- deb | image
    docker_image_ref VARCHAR(512),
    image_digest     VARCHAR(128),
    run_command      TEXT,                           -- JSON array
    supported_lidars TEXT         NOT NULL,          -- JSON array
    requires_gpu     BOOLEAN      NOT NULL,
    ubuntu_base      VARCHAR(32),
    platform         VARCHAR(32)  NOT NULL,
    last_build_id    VARCHAR(64),
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Builds: one row per accepted .deb submission, from queued to succeeded or failed.
CREATE TABLE provider_builds (
    build_id         VARCHAR(64)  PRIMARY KEY,
    provider_id      VARCHAR(63)  NOT NULL,
    status           VARCHAR(16)  NOT NULL,          -- queued | validating | building | pushing | succeeded | failed
    step             INT          NOT NULL,
    total_steps      INT          NOT NULL,
    source           VARCHAR(16)  NOT NULL,          -- rest | folder
    input_dir        VARCHAR(1024) NOT NULL,
    metadata         TEXT         NOT NULL,          -- normalized metadata JSON
    deb_files        TEXT         NOT NULL,          -- JSON array of validated packages
    inputs_hash      VARCHAR(64)  NOT NULL,          -- sha256 over .deb sha256s + normalized metadata
    docker_image_ref VARCHAR(512),
    image_id         VARCHAR(128),
    image_digest     VARCHAR(128),
    reused_from      VARCHAR(64),
    error            TEXT,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at      TIMESTAMP WITH TIME ZONE
);

CREATE INDEX provider_builds_reuse ON provider_builds (inputs_hash, status);
CREATE INDEX provider_builds_status ON provider_builds (status);
CREATE INDEX provider_builds_provider ON provider_builds (provider_id, created_at);
