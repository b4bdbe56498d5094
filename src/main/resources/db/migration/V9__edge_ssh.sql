-- How the hub reaches an agentless edge over SSH: the host key pinned at commissioning and the credentials,
-- encrypted (caravan.secrets.key); never returned by the API.
CREATE TABLE edge_ssh (
    edge_id    VARCHAR(255) PRIMARY KEY,
    ssh_user   VARCHAR(64)  NOT NULL,
    ssh_port   INTEGER      NOT NULL,
    host_key   TEXT         NOT NULL,   -- the OpenSSH public key line the edge must present
    auth       VARCHAR(16)  NOT NULL,   -- key | password
    secret     TEXT         NOT NULL,   -- AES-GCM, bound to the edge id: {"privateKey"} or {"password"}
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
