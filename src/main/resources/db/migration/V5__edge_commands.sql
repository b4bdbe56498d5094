-- Container operations sent to edge agents and what they answered.
CREATE TABLE edge_commands (
    command_id  VARCHAR(64)  PRIMARY KEY,
    edge_id     VARCHAR(255) NOT NULL,
    action      VARCHAR(16)  NOT NULL,   -- stop | restart | remove | logs | stats
    status      VARCHAR(16)  NOT NULL,   -- sent | done | failed
    result      TEXT,                    -- JSON: the agent's answer
    sent_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    answered_at TIMESTAMP WITH TIME ZONE
);

CREATE INDEX edge_commands_edge ON edge_commands (edge_id, sent_at);
