-- Alerts fired by the rules file; acknowledged by an operator.
CREATE TABLE alerts (
    alert_id        VARCHAR(64)  PRIMARY KEY,
    rule_id         VARCHAR(255) NOT NULL,
    type            VARCHAR(32)  NOT NULL,
    severity        VARCHAR(32)  NOT NULL,
    venue_id        VARCHAR(128) NOT NULL,
    edge_id         VARCHAR(255) NOT NULL,
    track_id        VARCHAR(255) NOT NULL,
    object_type     VARCHAR(64)  NOT NULL,
    message         TEXT         NOT NULL,
    x               DOUBLE PRECISION NOT NULL,
    z               DOUBLE PRECISION NOT NULL,
    fired_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    acknowledged_at TIMESTAMP WITH TIME ZONE
);

CREATE INDEX alerts_venue_time ON alerts (venue_id, fired_at);
