-- Each agent edge's own credential: its MQTT password, and the key its sealed secrets are derived from. A SHA-256
-- of it answers the broker's checks; the hub also keeps it encrypted (caravan.secrets), since it seals registry
-- credentials to the edge and gives agentless (SSH) edges their provider's broker login.
CREATE TABLE edge_credentials (
    edge_id          VARCHAR(255) PRIMARY KEY REFERENCES edges (edge_id) ON DELETE CASCADE,
    username         VARCHAR(255) NOT NULL UNIQUE,
    secret_hash      CHAR(64)     NOT NULL,
    secret_encrypted TEXT         NOT NULL,
    issued_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    issued_by        VARCHAR(255) NOT NULL
);

-- The hub's own keys, made at first start and shared by every hub on the database: the command-signing key pair
-- (its private half encrypted with caravan.secrets).
CREATE TABLE hub_keys (
    key_name          VARCHAR(64) PRIMARY KEY,
    private_encrypted TEXT        NOT NULL,
    public_pem        TEXT        NOT NULL,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL
);
