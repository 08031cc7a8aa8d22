-- Tables every service keeps in its own schema: idempotency keys, the audit trail and the
-- change feed (an outbox written in the same transaction as the change it records).

CREATE TABLE idempotency_keys (
  actor         VARCHAR(128)   NOT NULL,
  request_id    VARCHAR(128)   NOT NULL,
  method        VARCHAR(128)   NOT NULL,
  request_hash  BINARY(32)     NOT NULL,
  response      MEDIUMBLOB     NULL,
  created_at    DATETIME(6)    NOT NULL,
  PRIMARY KEY (actor, request_id),
  KEY idempotency_keys_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_log (
  id             BIGINT         NOT NULL AUTO_INCREMENT,
  at             DATETIME(6)    NOT NULL,
  actor          VARCHAR(128)   NOT NULL,
  actor_role     VARCHAR(32)    NOT NULL,
  request_id     VARCHAR(128)   NOT NULL,
  method         VARCHAR(128)   NOT NULL,
  resource_name  VARCHAR(255)   NOT NULL,
  action         VARCHAR(64)    NOT NULL,
  details        MEDIUMTEXT     NOT NULL,
  PRIMARY KEY (id),
  KEY audit_log_resource (resource_name, id),
  KEY audit_log_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row holding the last sequence handed out. Locking it for the rest of a transaction makes
-- sequences commit in order, so a reader that has seen N never later finds a smaller one.
CREATE TABLE change_feed_head (
  id             TINYINT        NOT NULL,
  last_sequence  BIGINT         NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB;
INSERT INTO change_feed_head (id, last_sequence) VALUES (1, 0);

CREATE TABLE change_events (
  sequence       BIGINT         NOT NULL,
  at             DATETIME(6)    NOT NULL,
  resource_type  VARCHAR(64)    NOT NULL,
  resource_name  VARCHAR(255)   NOT NULL,
  change_type    TINYINT        NOT NULL,
  payload        MEDIUMBLOB     NOT NULL,
  request_id     VARCHAR(128)   NOT NULL,
  actor          VARCHAR(128)   NOT NULL,
  PRIMARY KEY (sequence),
  KEY change_events_type (resource_type, sequence)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
