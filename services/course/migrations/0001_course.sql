-- The course service's own tables: institutions, workshops, the course catalogue and course runs.
-- Text is utf8mb4 with a binary collation so names in any script round-trip byte-exact.
-- Localized texts are JSON arrays [{"language": "tg", "text": "..."}] and string lists are JSON
-- arrays of strings: read and written whole, never searched.
-- Enums are TINYINT holding the values of services/course/domain/model.h.
-- Every list filter has an index ending in id, the keyset the lists page by.

CREATE TABLE institutions (
  id           BIGINT         NOT NULL AUTO_INCREMENT,
  version      BIGINT         NOT NULL,
  create_time  DATETIME(6)    NOT NULL,
  update_time  DATETIME(6)    NOT NULL,
  kind         TINYINT        NOT NULL,
  country      CHAR(2)        NOT NULL,
  names        TEXT           NOT NULL,
  city         VARCHAR(255)   NOT NULL,
  website      VARCHAR(2048)  NOT NULL,
  PRIMARY KEY (id),
  KEY institutions_country (country, kind, id),
  KEY institutions_kind (kind, id),
  CONSTRAINT institutions_kind_valid CHECK (kind IN (1, 2)),
  CONSTRAINT institutions_names_json CHECK (JSON_VALID(names))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE workshops (
  id                      BIGINT        NOT NULL AUTO_INCREMENT,
  version                 BIGINT        NOT NULL,
  create_time             DATETIME(6)   NOT NULL,
  update_time             DATETIME(6)   NOT NULL,
  names                   TEXT          NOT NULL,
  country                 CHAR(2)       NOT NULL,
  city                    VARCHAR(255)  NOT NULL,
  chinese_institution_id  BIGINT        NOT NULL,
  partner_institution_id  BIGINT        NOT NULL,
  status                  TINYINT       NOT NULL,
  opened_date             DATE          NULL,
  disciplines             TEXT          NOT NULL,
  PRIMARY KEY (id),
  KEY workshops_country (country, status, id),
  KEY workshops_status (status, id),
  KEY workshops_chinese_institution (chinese_institution_id, id),
  KEY workshops_partner_institution (partner_institution_id, id),
  CONSTRAINT workshops_chinese_institution_fk FOREIGN KEY (chinese_institution_id)
    REFERENCES institutions (id),
  CONSTRAINT workshops_partner_institution_fk FOREIGN KEY (partner_institution_id)
    REFERENCES institutions (id),
  CONSTRAINT workshops_status_valid CHECK (status BETWEEN 1 AND 4),
  CONSTRAINT workshops_names_json CHECK (JSON_VALID(names)),
  CONSTRAINT workshops_disciplines_json CHECK (JSON_VALID(disciplines))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE courses (
  id           BIGINT        NOT NULL AUTO_INCREMENT,
  version      BIGINT        NOT NULL,
  create_time  DATETIME(6)   NOT NULL,
  update_time  DATETIME(6)   NOT NULL,
  code         VARCHAR(64)   NOT NULL,
  titles       TEXT          NOT NULL,
  discipline   VARCHAR(255)  NOT NULL,
  hours        INT           NOT NULL,
  languages    TEXT          NOT NULL,
  description  TEXT          NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY courses_code (code),
  KEY courses_discipline (discipline, id),
  CONSTRAINT courses_titles_json CHECK (JSON_VALID(titles)),
  CONSTRAINT courses_languages_json CHECK (JSON_VALID(languages))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE course_runs (
  id                      BIGINT        NOT NULL AUTO_INCREMENT,
  version                 BIGINT        NOT NULL,
  create_time             DATETIME(6)   NOT NULL,
  update_time             DATETIME(6)   NOT NULL,
  course_id               BIGINT        NOT NULL,
  workshop_id             BIGINT        NOT NULL,
  start_date              DATE          NOT NULL,
  end_date                DATE          NOT NULL,
  capacity                INT           NOT NULL,
  language                VARCHAR(64)   NOT NULL,
  status                  TINYINT       NOT NULL,
  pass_score              INT           NOT NULL,
  min_attendance_percent  INT           NOT NULL,
  cancel_reason           TEXT          NOT NULL,
  -- The workshop's country, copied at creation (workshops never move): filters without a join.
  country                 CHAR(2)       NOT NULL,
  PRIMARY KEY (id),
  KEY course_runs_country (country, status, id),
  KEY course_runs_workshop (workshop_id, status, id),
  KEY course_runs_course (course_id, id),
  KEY course_runs_status (status, id),
  KEY course_runs_start_date (start_date, id),
  CONSTRAINT course_runs_course_fk FOREIGN KEY (course_id) REFERENCES courses (id),
  CONSTRAINT course_runs_workshop_fk FOREIGN KEY (workshop_id) REFERENCES workshops (id),
  CONSTRAINT course_runs_status_valid CHECK (status BETWEEN 1 AND 5)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
