-- The enrollment service's own tables: trainees, the seats of the course runs it enrolls into,
-- enrollments, certificates and the cursors of the peers' change feeds it follows.
-- Text is utf8mb4 with a binary collation so names in any script round-trip byte-exact.
-- Localized texts are JSON arrays [{"language": "tg", "text": "..."}], read and written whole.
-- Enums are TINYINT holding the values of services/enrollment/domain/model.h.
-- Owners (a workshop and its two founding institutions) are copied onto the rows they govern:
-- founders never change, and copies let every visibility filter run without a join.
-- Every list filter has an index ending in id, the keyset the lists page by; exports page by
-- (update_time, id).

CREATE TABLE trainees (
  id                      BIGINT        NOT NULL AUTO_INCREMENT,
  version                 BIGINT        NOT NULL,
  create_time             DATETIME(6)   NOT NULL,
  update_time             DATETIME(6)   NOT NULL,
  family_name             VARCHAR(255)  NOT NULL,
  given_name              VARCHAR(255)  NOT NULL,
  family_name_latin       VARCHAR(255)  NOT NULL,
  given_name_latin        VARCHAR(255)  NOT NULL,
  sex                     TINYINT       NOT NULL,
  birth_date              DATE          NOT NULL,
  citizenship             CHAR(2)       NOT NULL,
  doc_country             CHAR(2)       NOT NULL,
  doc_type                TINYINT       NOT NULL,
  -- As printed, and as compared (DocumentKey: letters and digits, upper case).
  doc_number              VARCHAR(64)   NOT NULL,
  doc_key                 VARCHAR(64)   NOT NULL,
  email                   VARCHAR(254)  NOT NULL,
  phone                   VARCHAR(64)   NOT NULL,
  address                 VARCHAR(1000) NOT NULL,
  home_workshop_id        BIGINT        NOT NULL,
  chinese_institution_id  BIGINT        NOT NULL,
  partner_institution_id  BIGINT        NOT NULL,
  status                  TINYINT       NOT NULL,
  PRIMARY KEY (id),
  -- Country + number identify a person across the network.
  UNIQUE KEY trainees_document (doc_country, doc_key),
  KEY trainees_home_workshop (home_workshop_id, status, id),
  KEY trainees_citizenship (citizenship, status, id),
  KEY trainees_status (status, id),
  KEY trainees_chinese_institution (chinese_institution_id, id),
  KEY trainees_partner_institution (partner_institution_id, id),
  KEY trainees_export (update_time, id),
  CONSTRAINT trainees_sex_valid CHECK (sex BETWEEN 0 AND 2),
  CONSTRAINT trainees_doc_type_valid CHECK (doc_type BETWEEN 1 AND 4),
  CONSTRAINT trainees_status_valid CHECK (status IN (1, 2))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per course run this service enrolled into. Every change to a run's enrollments locks
-- this row first, which serialises them; `enrolled` never passes `capacity`.
CREATE TABLE run_seats (
  run_id                  BIGINT        NOT NULL,
  course_id               BIGINT        NOT NULL,
  workshop_id             BIGINT        NOT NULL,
  chinese_institution_id  BIGINT        NOT NULL,
  partner_institution_id  BIGINT        NOT NULL,
  status                  TINYINT       NOT NULL,
  capacity                INT           NOT NULL,
  enrolled                INT           NOT NULL,
  next_waitlist_seq       BIGINT        NOT NULL,
  pass_score              INT           NOT NULL,
  min_attendance_percent  INT           NOT NULL,
  PRIMARY KEY (run_id),
  CONSTRAINT run_seats_status_valid CHECK (status BETWEEN 1 AND 5),
  CONSTRAINT run_seats_within_capacity CHECK (enrolled BETWEEN 0 AND capacity)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE enrollments (
  id                      BIGINT        NOT NULL AUTO_INCREMENT,
  version                 BIGINT        NOT NULL,
  create_time             DATETIME(6)   NOT NULL,
  update_time             DATETIME(6)   NOT NULL,
  trainee_id              BIGINT        NOT NULL,
  run_id                  BIGINT        NOT NULL,
  course_id               BIGINT        NOT NULL,
  workshop_id             BIGINT        NOT NULL,
  chinese_institution_id  BIGINT        NOT NULL,
  partner_institution_id  BIGINT        NOT NULL,
  state                   TINYINT       NOT NULL,
  waitlist_seq            BIGINT        NOT NULL,
  final_score             INT           NOT NULL,
  attendance_percent      INT           NOT NULL,
  certificate_id          BIGINT        NULL,
  reason                  TEXT          NOT NULL,
  enroll_time             DATETIME(6)   NOT NULL,
  -- The run while the enrollment is open (waitlisted or enrolled), else NULL: the unique key
  -- below then allows one open enrollment per trainee and run, and any number of closed ones.
  open_run_id             BIGINT        AS (IF(state IN (1, 2), run_id, NULL)) PERSISTENT,
  PRIMARY KEY (id),
  UNIQUE KEY enrollments_one_open (trainee_id, open_run_id),
  KEY enrollments_trainee (trainee_id, state, id),
  KEY enrollments_waitlist (run_id, state, waitlist_seq),
  KEY enrollments_workshop (workshop_id, state, id),
  KEY enrollments_chinese_institution (chinese_institution_id, id),
  KEY enrollments_partner_institution (partner_institution_id, id),
  KEY enrollments_state (state, id),
  KEY enrollments_enroll_time (enroll_time, id),
  KEY enrollments_export (update_time, id),
  CONSTRAINT enrollments_trainee_fk FOREIGN KEY (trainee_id) REFERENCES trainees (id),
  CONSTRAINT enrollments_run_fk FOREIGN KEY (run_id) REFERENCES run_seats (run_id),
  CONSTRAINT enrollments_state_valid CHECK (state BETWEEN 1 AND 6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE certificates (
  id                         BIGINT        NOT NULL AUTO_INCREMENT,
  version                    BIGINT        NOT NULL,
  create_time                DATETIME(6)   NOT NULL,
  update_time                DATETIME(6)   NOT NULL,
  number                     VARCHAR(64)   NOT NULL,
  trainee_id                 BIGINT        NOT NULL,
  enrollment_id              BIGINT        NOT NULL,
  holder_name                VARCHAR(512)  NOT NULL,
  holder_name_latin          VARCHAR(512)  NOT NULL,
  course_code                VARCHAR(64)   NOT NULL,
  course_titles              TEXT          NOT NULL,
  discipline                 VARCHAR(255)  NOT NULL,
  workshop_id                BIGINT        NOT NULL,
  chinese_institution_id     BIGINT        NOT NULL,
  partner_institution_id     BIGINT        NOT NULL,
  workshop_names             TEXT          NOT NULL,
  chinese_institution_names  TEXT          NOT NULL,
  partner_institution_names  TEXT          NOT NULL,
  final_score                INT           NOT NULL,
  attendance_percent         INT           NOT NULL,
  issue_date                 DATE          NOT NULL,
  status                     TINYINT       NOT NULL,
  revoke_reason              TEXT          NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY certificates_number (number),
  KEY certificates_trainee (trainee_id, status, discipline),
  KEY certificates_enrollment (enrollment_id),
  KEY certificates_workshop (workshop_id, id),
  KEY certificates_chinese_institution (chinese_institution_id, id),
  KEY certificates_partner_institution (partner_institution_id, id),
  CONSTRAINT certificates_trainee_fk FOREIGN KEY (trainee_id) REFERENCES trainees (id),
  CONSTRAINT certificates_enrollment_fk FOREIGN KEY (enrollment_id) REFERENCES enrollments (id),
  CONSTRAINT certificates_status_valid CHECK (status IN (1, 2)),
  CONSTRAINT certificates_course_titles_json CHECK (JSON_VALID(course_titles)),
  CONSTRAINT certificates_workshop_names_json CHECK (JSON_VALID(workshop_names)),
  CONSTRAINT certificates_chinese_names_json CHECK (JSON_VALID(chinese_institution_names)),
  CONSTRAINT certificates_partner_names_json CHECK (JSON_VALID(partner_institution_names))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- How far each peer's change feed has been applied here ("course" for the course service).
CREATE TABLE feed_cursors (
  source         VARCHAR(64)   NOT NULL,
  last_sequence  BIGINT        NOT NULL,
  PRIMARY KEY (source)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
