-- The exchange service's own tables: exchange programmes and the mobilities through them.
-- Text is utf8mb4 with a binary collation so names in any script round-trip byte-exact.
-- Localized texts are JSON arrays [{"language": "tg", "text": "..."}] and a mobility's decisions
-- a JSON array [{"state": 2, "actor": "...", "time": "2025-03-01T09:30:00.123456Z",
-- "reason": "..."}] (times in UTC, to the microsecond): read and written whole, never searched.
-- Enums are TINYINT holding the values of services/exchange/domain/model.h.
-- Institutions, courses, runs and trainees belong to the other services: their ids are kept
-- here without foreign keys. A mobility copies its programme's sending and receiving
-- institutions (they never change), so every visibility filter runs without a join.
-- Every list filter has an index ending in id, the keyset the lists page by; exports page by
-- (update_time, id).

-- `approved_count` counts the programme's approved, departed and returned mobilities. It moves
-- only by one conditional UPDATE at a time (approved_count < quota), and the CHECK below is the
-- last word: never more approved mobilities than the quota, under any concurrency.
CREATE TABLE programmes (
  id                            BIGINT        NOT NULL AUTO_INCREMENT,
  version                       BIGINT        NOT NULL,
  create_time                   DATETIME(6)   NOT NULL,
  update_time                   DATETIME(6)   NOT NULL,
  titles                        TEXT          NOT NULL,
  chinese_institution_id        BIGINT        NOT NULL,
  partner_institution_id        BIGINT        NOT NULL,
  partner_country               CHAR(2)       NOT NULL,
  kind                          TINYINT       NOT NULL,
  direction                     TINYINT       NOT NULL,
  start_date                    DATE          NOT NULL,
  end_date                      DATE          NOT NULL,
  quota                         INT           NOT NULL,
  approved_count                INT           NOT NULL,
  -- The eligibility requirement: none, a completed course, or a certificate in a discipline
  -- (empty for none).
  completed_course_id           BIGINT        NULL,
  certificate_discipline        VARCHAR(255)  NOT NULL,
  course_run_id                 BIGINT        NULL,
  status                        TINYINT       NOT NULL,
  PRIMARY KEY (id),
  KEY programmes_chinese_institution (chinese_institution_id, id),
  KEY programmes_partner_institution (partner_institution_id, id),
  KEY programmes_partner_country (partner_country, status, id),
  KEY programmes_kind (kind, id),
  KEY programmes_direction (direction, id),
  -- The year filter is a range of start dates.
  KEY programmes_start_date (start_date, id),
  KEY programmes_status (status, id),
  CONSTRAINT programmes_within_quota CHECK (approved_count BETWEEN 0 AND quota),
  CONSTRAINT programmes_kind_valid CHECK (kind BETWEEN 1 AND 4),
  CONSTRAINT programmes_direction_valid CHECK (direction IN (1, 2)),
  CONSTRAINT programmes_status_valid CHECK (status BETWEEN 1 AND 5),
  CONSTRAINT programmes_titles_json CHECK (JSON_VALID(titles))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A participant is a trainee (trainee_id, of the enrollment service) or a teacher (the teacher_*
-- columns, NULL for a trainee), never both.
CREATE TABLE mobilities (
  id                            BIGINT        NOT NULL AUTO_INCREMENT,
  version                       BIGINT        NOT NULL,
  create_time                   DATETIME(6)   NOT NULL,
  update_time                   DATETIME(6)   NOT NULL,
  programme_id                  BIGINT        NOT NULL,
  trainee_id                    BIGINT        NULL,
  teacher_full_name             VARCHAR(255)  NULL,
  teacher_full_name_latin       VARCHAR(255)  NULL,
  teacher_position              VARCHAR(255)  NULL,
  sending_institution_id        BIGINT        NOT NULL,
  receiving_institution_id      BIGINT        NOT NULL,
  state                         TINYINT       NOT NULL,
  decisions                     TEXT          NOT NULL,
  -- The trainee while the mobility is open (nominated, approved or departed), else NULL: the
  -- unique key below then allows one open mobility per trainee and programme, and any number of
  -- closed ones (and of teachers').
  open_trainee_id               BIGINT        AS (IF(state IN (1, 2, 4), trainee_id, NULL))
                                              PERSISTENT,
  PRIMARY KEY (id),
  UNIQUE KEY mobilities_one_open (programme_id, open_trainee_id),
  KEY mobilities_programme_trainee (programme_id, trainee_id, state),
  KEY mobilities_trainee (trainee_id, id),
  KEY mobilities_sending_institution (sending_institution_id, id),
  KEY mobilities_receiving_institution (receiving_institution_id, id),
  KEY mobilities_state (state, id),
  KEY mobilities_export (update_time, id),
  CONSTRAINT mobilities_programme_fk FOREIGN KEY (programme_id) REFERENCES programmes (id),
  CONSTRAINT mobilities_one_participant CHECK ((trainee_id IS NULL) <> (teacher_full_name IS NULL)),
  CONSTRAINT mobilities_state_valid CHECK (state BETWEEN 1 AND 6),
  CONSTRAINT mobilities_decisions_json CHECK (JSON_VALID(decisions))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
